package gen

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
	"github.com/xuri/excelize/v2"
)

// MaxXLSXRows is the largest number of cases WriteFile writes to an .xlsx file (a
// worksheet holds 1,048,576 rows; beyond a million, use CSV, NDJSON or Parquet).
const MaxXLSXRows = 1_000_000

// csvHeader holds the §4.1 field names, in the order the generic writers use.
const csvHeader = "case_id,item_code,received_at,completed_at,status,channel,applicant_type,country,district,trips,backlog,backlog_since,updated_at"

func fieldNames() []string { return strings.Split(csvHeader, ",") }

// WriteFile generates opt.Cases cases and writes them to path, in the format its
// extension names:
//
//	.csv      UTF-8 without BOM, LF, English header; timestamps in a per-row mix of §4.1 forms
//	.ndjson   one JSON object per line (also .jsonl); trips a number, backlog a boolean
//	.parquet  every column VARCHAR, values as in the CSV
//	.xlsx     one sheet "cases"; times as real Excel date cells; at most MaxXLSXRows cases
//
// The file is written to a temporary file in the same directory and renamed into place,
// so path never holds a half-written file. It returns the number of cases written.
func WriteFile(ctx context.Context, path string, opt Options) (int, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".csv", ".ndjson", ".jsonl", ".parquet", ".xlsx":
	default:
		return 0, fmt.Errorf("gen: %s: unknown output format %q (want .csv, .ndjson, .parquet or .xlsx)", path, ext)
	}
	opt, err := opt.normalize()
	if err != nil {
		return 0, err
	}
	if opt.PII && ext != ".csv" && ext != ".parquet" {
		return 0, fmt.Errorf("gen: %s: personal-data columns are written to .csv and .parquet files only", path)
	}
	if ext == ".xlsx" && opt.Cases > MaxXLSXRows {
		return 0, fmt.Errorf("gen: %s: an .xlsx file holds at most %d cases, not %d; write .csv, .ndjson or .parquet instead",
			path, MaxXLSXRows, opt.Cases)
	}
	g, err := newGenerator(opt)
	if err != nil {
		return 0, err
	}
	var n int
	err = writeAtomic(path, func(tmp string) error {
		var err error
		switch ext {
		case ".csv":
			n, err = writeToFile(tmp, func(w io.Writer) (int, error) { return g.writeCSV(ctx, w, opt.Cases) })
		case ".ndjson", ".jsonl":
			n, err = writeToFile(tmp, func(w io.Writer) (int, error) { return g.writeNDJSON(ctx, w, opt.Cases) })
		case ".xlsx":
			n, err = writeToFile(tmp, func(w io.Writer) (int, error) { return g.writeXLSX(ctx, w, opt.Cases) })
		case ".parquet":
			n, err = g.writeParquet(ctx, tmp, opt.Cases)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// writeAtomic calls write with the name of a fresh temporary file next to path and
// renames that file into place when write succeeds; otherwise it is removed and path
// is untouched.
func writeAtomic(path string, write func(tmp string) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	name := f.Name()
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(name)
		}
	}()
	if err = write(name); err != nil {
		return err
	}
	if err = os.Chmod(name, 0o644); err != nil {
		return fmt.Errorf("gen: %s: %w", path, err)
	}
	if err = os.Rename(name, path); err != nil {
		return fmt.Errorf("gen: %s: %w", path, err)
	}
	return nil
}

// writeToFile truncates and writes the file name with write, then closes it. (No
// fsync: these are reproducible test data, and the rename already keeps readers from
// ever seeing a half-written file.)
func writeToFile(name string, write func(w io.Writer) (int, error)) (int, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o644)
	if err != nil {
		return 0, fmt.Errorf("gen: %w", err)
	}
	n, err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// appendWallForm writes local wall seconds in form f.
func (g *generator) appendWallForm(b []byte, wall int64, f timeForm) []byte {
	day := floorDiv(wall, secondsPerDay)
	off := g.cal.off(day)
	if f == formUTC {
		wall -= off
		day = floorDiv(wall, secondsPerDay)
		off = 0
	}
	y, m, d := g.cal.civil(day)
	return appendFields(b, y, m, d, int(wall-day*secondsPerDay), f, off)
}

func appendDay(b []byte, day int64) []byte {
	y, m, d := civilFromDays(day)
	return appendYMD(b, y, m, d, '-')
}

func (g *generator) appendCSVRow(b []byte, r *rec) []byte {
	if r.c.CaseID != "" {
		b = appendCSVField(b, r.c.CaseID)
	} else {
		b = appendCaseID(b, r.year, r.seq)
	}
	b = append(b, ',')
	b = appendCSVField(b, r.c.ItemCode)
	b = append(b, ',')
	b = g.appendWallForm(b, r.recvWall, r.form)
	b = append(b, ',')
	if r.c.CompletedAt != nil {
		b = g.appendWallForm(b, r.complWall, r.form)
	}
	b = append(b, ',')
	b = append(b, r.c.Status...)
	b = append(b, ',')
	b = append(b, r.c.Channel...)
	b = append(b, ',')
	b = append(b, r.c.ApplicantType...)
	b = append(b, ',')
	b = appendCSVField(b, r.c.Country)
	b = append(b, ',')
	b = appendCSVField(b, r.c.District)
	b = append(b, ',')
	if r.c.Trips != nil {
		b = strconv.AppendInt(b, int64(*r.c.Trips), 10)
	}
	b = append(b, ',')
	b = strconv.AppendBool(b, r.c.Backlog)
	b = append(b, ',')
	if r.c.BacklogSince != nil {
		b = appendDay(b, r.sinceDay)
	}
	b = append(b, ',')
	if r.c.UpdatedAt != nil {
		b = g.appendWallForm(b, r.updWall, r.form)
	}
	return append(b, '\n')
}

func (g *generator) appendJSONRow(b []byte, r *rec) []byte {
	b = append(b, `{"case_id":"`...)
	if r.c.CaseID != "" {
		b = appendJSONString(b[:len(b)-1], r.c.CaseID)
	} else {
		b = appendCaseID(b, r.year, r.seq)
		b = append(b, '"')
	}
	b = append(b, `,"item_code":`...)
	b = appendJSONString(b, r.c.ItemCode)
	b = append(b, `,"received_at":"`...)
	b = g.appendWallForm(b, r.recvWall, r.form)
	b = append(b, `","completed_at":`...)
	if r.c.CompletedAt != nil {
		b = append(b, '"')
		b = g.appendWallForm(b, r.complWall, r.form)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, r.c.Status)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, r.c.Channel)
	b = append(b, `,"applicant_type":`...)
	b = appendJSONString(b, r.c.ApplicantType)
	b = append(b, `,"country":`...)
	b = appendJSONNullable(b, r.c.Country)
	b = append(b, `,"district":`...)
	b = appendJSONNullable(b, r.c.District)
	b = append(b, `,"trips":`...)
	if r.c.Trips != nil {
		b = strconv.AppendInt(b, int64(*r.c.Trips), 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"backlog":`...)
	b = strconv.AppendBool(b, r.c.Backlog)
	b = append(b, `,"backlog_since":`...)
	if r.c.BacklogSince != nil {
		b = append(b, '"')
		b = appendDay(b, r.sinceDay)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"updated_at":`...)
	if r.c.UpdatedAt != nil {
		b = append(b, '"')
		b = g.appendWallForm(b, r.updWall, r.form)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}', '\n')
}

func appendJSONNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// streamRows runs the generator and writes one appended row per case. Rows are
// appended to 1 MiB buffers that a second goroutine writes, so formatting and the
// write system calls overlap.
func (g *generator) streamRows(ctx context.Context, w io.Writer, n int, head string,
	row func(b []byte, r *rec) []byte) (int, error) {
	const bufSize, nBufs = 1 << 20, 3
	full := make(chan []byte, nBufs)
	free := make(chan []byte, nBufs)
	for i := 0; i < nBufs; i++ {
		free <- make([]byte, 0, bufSize+4096)
	}
	done := make(chan error, 1)
	var failed atomic.Bool
	go func() {
		var err error
		for b := range full {
			if err == nil {
				if _, err = w.Write(b); err != nil {
					failed.Store(true)
				}
			}
			free <- b[:0]
		}
		done <- err
	}()
	buf := append(<-free, head...)
	count := 0
	err := g.run(n, func(r *rec) error {
		if count&0x3fff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		buf = row(buf, r)
		count++
		if len(buf) >= bufSize {
			if failed.Load() {
				return errWriteFailed // the writer's error is reported below
			}
			full <- buf
			buf = <-free
		}
		return nil
	})
	if len(buf) > 0 && err == nil {
		full <- buf
	}
	close(full)
	if werr := <-done; werr != nil && (err == nil || err == errWriteFailed) {
		err = werr
	}
	if err != nil {
		return count, err
	}
	return count, nil
}

// errWriteFailed stops the generation when the writing goroutine has failed.
const errWriteFailed = constError("gen: write failed")

type constError string

func (e constError) Error() string { return string(e) }

func (g *generator) writeCSV(ctx context.Context, w io.Writer, n int) (int, error) {
	if !g.pii {
		return g.streamRows(ctx, w, n, csvHeader+"\n", g.appendCSVRow)
	}
	p := newPIIGen(g.seed, n)
	return g.streamRows(ctx, w, n, csvHeader+","+strings.Join(PIIHeader, ",")+"\n", func(b []byte, r *rec) []byte {
		b = g.appendCSVRow(b, r)
		return append(p.appendRow(b[:len(b)-1]), '\n')
	})
}

func (g *generator) writeNDJSON(ctx context.Context, w io.Writer, n int) (int, error) {
	return g.streamRows(ctx, w, n, "", g.appendJSONRow)
}

// excelSerial converts local wall seconds to an Excel (1900 system) date serial.
func excelSerial(wall int64) float64 {
	return float64(wall)/secondsPerDay + 25569
}

func (g *generator) writeXLSX(ctx context.Context, out io.Writer, n int) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "cases"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	tsFmt, dFmt := "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"
	tsStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &tsFmt})
	if err != nil {
		return 0, err
	}
	dStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dFmt})
	if err != nil {
		return 0, err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return 0, err
	}
	if err := sw.SetColWidth(1, 13, 16); err != nil {
		return 0, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	names := fieldNames()
	head := make([]interface{}, len(names))
	for i, h := range names {
		head[i] = excelize.Cell{StyleID: headStyle, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	row := make([]interface{}, len(names))
	count := 0
	buf := make([]byte, 0, 32)
	err = g.run(n, func(r *rec) error {
		if count&0x3fff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for i := range row {
			row[i] = nil
		}
		buf = appendCaseID(buf[:0], r.year, r.seq)
		row[0] = string(buf)
		row[1] = r.c.ItemCode
		row[2] = excelize.Cell{StyleID: tsStyle, Value: excelSerial(r.recvWall)}
		if r.c.CompletedAt != nil {
			row[3] = excelize.Cell{StyleID: tsStyle, Value: excelSerial(r.complWall)}
		}
		row[4], row[5], row[6] = r.c.Status, r.c.Channel, r.c.ApplicantType
		if r.c.Country != "" {
			row[7] = r.c.Country
		}
		if r.c.District != "" {
			row[8] = r.c.District
		}
		if r.c.Trips != nil {
			row[9] = *r.c.Trips
		}
		row[10] = strconv.FormatBool(r.c.Backlog)
		if r.c.BacklogSince != nil {
			row[11] = excelize.Cell{StyleID: dStyle, Value: excelSerial(r.sinceDay * secondsPerDay)}
		}
		if r.c.UpdatedAt != nil {
			row[12] = excelize.Cell{StyleID: tsStyle, Value: excelSerial(r.updWall)}
		}
		count++
		cell, err := excelize.CoordinatesToCellName(1, count+1)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, row)
	})
	if err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if _, err := f.WriteTo(out); err != nil {
		return 0, err
	}
	return count, nil
}

// writeParquet writes the cases as CSV to a temporary file and has DuckDB copy that to
// Parquet at out, every column VARCHAR. The temporary CSV is removed whatever happens.
func (g *generator) writeParquet(ctx context.Context, out string, n int) (int, error) {
	csvTmp, err := os.CreateTemp(filepath.Dir(out), ".caseload-gen-*.csv")
	if err != nil {
		return 0, fmt.Errorf("gen: %w", err)
	}
	csvName := csvTmp.Name()
	csvTmp.Close()
	defer os.Remove(csvName)
	count, err := writeToFile(csvName, func(w io.Writer) (int, error) { return g.writeCSV(ctx, w, n) })
	if err != nil {
		return 0, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, fmt.Errorf("gen: duckdb: %w", err)
	}
	defer db.Close()
	names := fieldNames()
	if g.pii {
		names = append(names, PIIHeader...)
	}
	cols := make([]string, len(names))
	for i, f := range names {
		cols[i] = sqlString(f) + ": 'VARCHAR'"
	}
	q := "COPY (SELECT * FROM read_csv(" + sqlString(csvName) +
		", header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"'" +
		", columns = {" + strings.Join(cols, ", ") + "})) TO " + sqlString(out) +
		" (FORMAT parquet, COMPRESSION zstd)"
	if _, err := db.ExecContext(ctx, q); err != nil {
		return 0, fmt.Errorf("gen: writing parquet: %w", err)
	}
	return count, nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
