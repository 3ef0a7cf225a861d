package export

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/google/uuid"
)

// Column is a result column: its name and DuckDB type name as database/sql reports it
// ("BIGINT", "DECIMAL(18,3)", "TIMESTAMPTZ", "VARCHAR[]", "JSON", …).
type Column struct {
	Name string
	Type string
}

var decimalRE = regexp.MustCompile(`^DECIMAL\((\d+),(\d+)\)$`)

// ArrowType is the Arrow type a DuckDB column keeps (the mapping of DuckDB's own Arrow
// export): integers, floats, BOOLEAN, DECIMAL(p,s) as decimal128(p,s), HUGEINT as
// decimal128(38,0), VARCHAR/ENUM/JSON/UUID as utf8, BLOB as binary, DATE as date32, TIME as
// time64[us], TIMESTAMP as timestamp without zone (its unit), TIMESTAMPTZ as
// timestamp[us, office timezone], INTERVAL as month_day_nano. Nested and rarer types
// (LIST, STRUCT, MAP, UNION, UHUGEINT, BIT, TIMETZ) become utf8 holding their text (JSON for
// nested values) — a documented simplification.
func ArrowType(dbType string, loc *time.Location) arrow.DataType {
	switch dbType {
	case "BOOLEAN":
		return arrow.FixedWidthTypes.Boolean
	case "TINYINT":
		return arrow.PrimitiveTypes.Int8
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16
	case "INTEGER":
		return arrow.PrimitiveTypes.Int32
	case "BIGINT":
		return arrow.PrimitiveTypes.Int64
	case "UTINYINT":
		return arrow.PrimitiveTypes.Uint8
	case "USMALLINT":
		return arrow.PrimitiveTypes.Uint16
	case "UINTEGER":
		return arrow.PrimitiveTypes.Uint32
	case "UBIGINT":
		return arrow.PrimitiveTypes.Uint64
	case "FLOAT":
		return arrow.PrimitiveTypes.Float32
	case "DOUBLE":
		return arrow.PrimitiveTypes.Float64
	case "HUGEINT":
		return &arrow.Decimal128Type{Precision: 38, Scale: 0}
	case "BLOB":
		return arrow.BinaryTypes.Binary
	case "DATE":
		return arrow.FixedWidthTypes.Date32
	case "TIME":
		return arrow.FixedWidthTypes.Time64us
	case "TIMESTAMP":
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case "TIMESTAMP_S":
		return &arrow.TimestampType{Unit: arrow.Second}
	case "TIMESTAMP_MS":
		return &arrow.TimestampType{Unit: arrow.Millisecond}
	case "TIMESTAMP_NS":
		return &arrow.TimestampType{Unit: arrow.Nanosecond}
	case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		if loc == nil {
			loc = time.UTC
		}
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: loc.String()}
	case "INTERVAL":
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	}
	if m := decimalRE.FindStringSubmatch(dbType); m != nil {
		p, _ := strconv.Atoi(m[1])
		s, _ := strconv.Atoi(m[2])
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
	}
	return arrow.BinaryTypes.String
}

// ArrowSchema is the Arrow schema of a result with these columns.
func ArrowSchema(cols []Column, loc *time.Location) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: ArrowType(c.Type, loc), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// RecordReader turns database/sql rows into Arrow record batches (array.RecordReader):
// batches of at most MaxRows rows or about MaxBytes bytes, so memory stays bounded.
type RecordReader struct {
	refs     int64
	rows     *sql.Rows
	cols     []Column
	schema   *arrow.Schema
	bld      *array.RecordBuilder
	add      []func(b array.Builder, v any) int
	cur      arrow.RecordBatch
	err      error
	n        int64
	maxRows  int
	maxBytes int
	loc      *time.Location
	vals     []any
	ptrs     []any
	done     bool
}

// NewRecordReader reads rows (whose columns are cols) as record batches of at most maxRows
// rows and about maxBytes bytes (0: 65,536 rows, 16 MB).
func NewRecordReader(mem memory.Allocator, rows *sql.Rows, cols []Column, loc *time.Location, maxRows, maxBytes int) *RecordReader {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if maxRows <= 0 {
		maxRows = 65536
	}
	if maxBytes <= 0 {
		maxBytes = 16 << 20
	}
	if loc == nil {
		loc = time.UTC
	}
	schema := ArrowSchema(cols, loc)
	r := &RecordReader{refs: 1, rows: rows, cols: cols, schema: schema, bld: array.NewRecordBuilder(mem, schema),
		maxRows: maxRows, maxBytes: maxBytes, loc: loc}
	r.add = make([]func(array.Builder, any) int, len(cols))
	for i, c := range cols {
		r.add[i] = appender(schema.Field(i).Type, c.Type, loc)
	}
	r.vals = make([]any, len(cols))
	r.ptrs = make([]any, len(cols))
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r
}

func (r *RecordReader) Retain()               { r.refs++ }
func (r *RecordReader) Schema() *arrow.Schema { return r.schema }
func (r *RecordReader) Err() error            { return r.err }

// Rows is the number of rows read so far.
func (r *RecordReader) Rows() int64 { return r.n }

// Release drops a reference; the last one frees the builder and the current batch.
func (r *RecordReader) Release() {
	r.refs--
	if r.refs > 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.bld != nil {
		r.bld.Release()
		r.bld = nil
	}
}

// RecordBatch is the current batch, valid until the next call to Next.
func (r *RecordReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch (array.RecordReader's deprecated name).
func (r *RecordReader) Record() arrow.RecordBatch { return r.cur }

// Next reads the next batch.
func (r *RecordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done || r.err != nil {
		return false
	}
	rows, size := 0, 0
	for rows < r.maxRows && size < r.maxBytes {
		if !r.rows.Next() {
			r.done = true
			r.err = r.rows.Err()
			break
		}
		clear(r.vals)
		if err := r.rows.Scan(r.ptrs...); err != nil {
			r.err = err
			return false
		}
		for i, v := range r.vals {
			size += r.add[i](r.bld.Field(i), v)
		}
		rows++
		r.n++
	}
	if r.err != nil || rows == 0 {
		return false
	}
	r.cur = r.bld.NewRecordBatch()
	return true
}

// appender returns the function that appends a scanned value to a column's builder and
// returns about how many bytes it took.
func appender(dt arrow.DataType, dbType string, loc *time.Location) func(array.Builder, any) int {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return func(b array.Builder, v any) int {
			if x, ok := v.(bool); ok {
				b.(*array.BooleanBuilder).Append(x)
			} else {
				b.AppendNull()
			}
			return 1
		}
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float32Type, *arrow.Float64Type:
		return func(b array.Builder, v any) int {
			appendNumber(b, v)
			return 8
		}
	case *arrow.Decimal128Type:
		return func(b array.Builder, v any) int {
			var bi *big.Int
			switch x := v.(type) {
			case duckdb.Decimal:
				bi = x.Value
			case *big.Int:
				bi = x
			}
			if bi == nil {
				b.AppendNull()
			} else {
				b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(bi))
			}
			return 16
		}
	case *arrow.BinaryType:
		return func(b array.Builder, v any) int {
			x, ok := v.([]byte)
			if !ok {
				b.AppendNull()
				return 1
			}
			b.(*array.BinaryBuilder).Append(x)
			return len(x) + 4
		}
	case *arrow.Date32Type:
		return func(b array.Builder, v any) int {
			if x, ok := v.(time.Time); ok {
				b.(*array.Date32Builder).Append(arrow.Date32FromTime(x))
			} else {
				b.AppendNull()
			}
			return 4
		}
	case *arrow.Time64Type:
		return func(b array.Builder, v any) int {
			if x, ok := v.(time.Time); ok {
				micros := int64(x.Hour())*3600e6 + int64(x.Minute())*60e6 + int64(x.Second())*1e6 + int64(x.Nanosecond()/1000)
				b.(*array.Time64Builder).Append(arrow.Time64(micros))
			} else {
				b.AppendNull()
			}
			return 8
		}
	case *arrow.TimestampType:
		unit := t.Unit
		return func(b array.Builder, v any) int {
			x, ok := v.(time.Time)
			if !ok {
				b.AppendNull()
				return 8
			}
			var ts int64
			switch unit {
			case arrow.Second:
				ts = x.Unix()
			case arrow.Millisecond:
				ts = x.UnixMilli()
			case arrow.Nanosecond:
				ts = x.UnixNano()
			default:
				ts = x.UnixMicro()
			}
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(ts))
			return 8
		}
	case *arrow.MonthDayNanoIntervalType:
		return func(b array.Builder, v any) int {
			if x, ok := v.(duckdb.Interval); ok {
				b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: x.Months, Days: x.Days, Nanoseconds: x.Micros * 1000})
			} else {
				b.AppendNull()
			}
			return 16
		}
	}
	return func(b array.Builder, v any) int {
		if v == nil {
			b.AppendNull()
			return 1
		}
		s := cellText(v, dbType, loc)
		b.(*array.StringBuilder).Append(s)
		return len(s) + 4
	}
}

// cellText is a value as text in Arrow, Parquet and XLSX: text() of the CSV writer, except
// that UUIDs are shown in their usual form and JSON values as JSON.
func cellText(v any, dbType string, loc *time.Location) string {
	switch x := v.(type) {
	case []byte:
		if dbType == "UUID" && len(x) == 16 {
			return uuid.UUID(x).String()
		}
	case *duckdb.UUID:
		return uuid.UUID(*x).String()
	case duckdb.UUID:
		return uuid.UUID(x).String()
	}
	if dbType == "JSON" {
		if s, ok := v.(string); ok {
			return s
		}
		b, err := json.Marshal(jsonValue(v, "", loc))
		if err == nil {
			return string(b)
		}
	}
	return text(v, dbType, loc)
}

func appendNumber(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.Int8Builder:
		bb.Append(v.(int8))
	case *array.Int16Builder:
		bb.Append(v.(int16))
	case *array.Int32Builder:
		bb.Append(v.(int32))
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.Uint8Builder:
		bb.Append(v.(uint8))
	case *array.Uint16Builder:
		bb.Append(v.(uint16))
	case *array.Uint32Builder:
		bb.Append(v.(uint32))
	case *array.Uint64Builder:
		bb.Append(v.(uint64))
	case *array.Float32Builder:
		bb.Append(v.(float32))
	case *array.Float64Builder:
		bb.Append(v.(float64))
	default:
		panic(fmt.Sprintf("appendNumber: builder %T", b))
	}
}

func columnsOf(cols []column) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.name, Type: c.dbType}
	}
	return out
}

// writeArrow writes an Arrow IPC file (the random-access "file" format, uncompressed so
// every reader opens it) one record batch at a time.
func writeArrow(w io.Writer, rows *sql.Rows, cols []column, o Options) (int64, error) {
	rr := NewRecordReader(memory.DefaultAllocator, rows, columnsOf(cols), o.loc(), 0, 0)
	defer rr.Release()
	fw, err := ipc.NewFileWriter(w, ipc.WithSchema(rr.Schema()))
	if err != nil {
		return 0, err
	}
	for rr.Next() {
		if err := fw.Write(rr.RecordBatch()); err != nil {
			return rr.Rows(), err
		}
	}
	if err := rr.Err(); err != nil {
		return rr.Rows(), err
	}
	return rr.Rows(), fw.Close()
}

// ParquetRowGroup is the number of rows per Parquet row group (DuckDB's default).
const ParquetRowGroup = 122880

// writeParquet writes Parquet with arrow-go's writer (zstd, row groups of ParquetRowGroup
// rows, the Arrow schema stored so readers get the time zone back).
func writeParquet(w io.Writer, rows *sql.Rows, cols []column, o Options) (int64, error) {
	rr := NewRecordReader(memory.DefaultAllocator, rows, columnsOf(cols), o.loc(), 0, 0)
	defer rr.Release()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithMaxRowGroupLength(ParquetRowGroup), parquet.WithCreatedBy("caseload"))
	fw, err := pqarrow.NewFileWriter(rr.Schema(), nopCloser{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return 0, err
	}
	for rr.Next() {
		if err := fw.WriteBuffered(rr.RecordBatch()); err != nil {
			return rr.Rows(), err
		}
	}
	if err := rr.Err(); err != nil {
		return rr.Rows(), err
	}
	return rr.Rows(), fw.Close()
}

// nopCloser keeps pqarrow's Close from closing the caller's writer.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
