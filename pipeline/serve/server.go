// Package serve is `caseload serve --flight`: the read-only warehouse served to analysts'
// tools over Arrow Flight SQL (SPEC §9), built on arrow-go's flightsql.BaseServer.
//
// What it serves: statements, prepared statements with parameters, the catalogue calls
// tools use to list tables (GetCatalogs, GetDbSchemas, GetTables with or without table
// schemas, GetTableTypes) and SQL info. Writes (updates, ingestion, transactions, Substrait)
// are refused.
//
// Every query runs in a sandbox of its own: an analyst.Session opened for that query through
// warehouse.OpenAnalyst on the current snapshot (read-only, enable_external_access=false,
// lock_configuration=true, the project's memory_limit and threads), under serve.timeout,
// with the same statement check as `caseload sql` (one statement, SELECT/EXPLAIN/PRAGMA).
// So a query sees one whole snapshot, and a snapshot published by a pull is seen by the
// queries that start after it. At most serve.max_queries queries run at once; more wait.
// Each query is logged: user, statement, rows, duration, error (the log line's time).
//
// Authentication: see auth.go. TLS with serve.tls_cert/serve.tls_key. The default address
// is loopback; another address without TLS is served with a warning.
package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/duckdb/duckdb-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/caseload/caseload/pipeline/analyst"
	"github.com/caseload/caseload/pipeline/analyst/export"
	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// Batch limits: records stay well under gRPC's default 4 MB message limit of clients.
const (
	batchRows  = 8192
	batchBytes = 2 << 20
)

// Server is the Flight SQL service.
type Server struct {
	flightsql.BaseServer
	cfg     *config.Config
	log     *slog.Logger
	version string
	slots   chan struct{}
	mu      sync.Mutex
	stmts   map[string]*prepared
}

type prepared struct {
	user   string
	query  string
	schema *arrow.Schema
	params [][]any
}

// New makes the service for a project.
func New(cfg *config.Config, log *slog.Logger, version string) *Server {
	s := &Server{cfg: cfg, log: log, version: version, slots: make(chan struct{}, max(1, cfg.Serve.MaxQueries)), stmts: map[string]*prepared{}}
	s.Alloc = memory.DefaultAllocator
	for k, v := range map[flightsql.SqlInfo]any{
		flightsql.SqlInfoFlightSqlServerName:             "caseload",
		flightsql.SqlInfoFlightSqlServerVersion:          version,
		flightsql.SqlInfoFlightSqlServerArrowVersion:     arrow.PkgVersion,
		flightsql.SqlInfoFlightSqlServerReadOnly:         true,
		flightsql.SqlInfoFlightSqlServerSql:              true,
		flightsql.SqlInfoFlightSqlServerSubstrait:        false,
		flightsql.SqlInfoFlightSqlServerTransaction:      int32(flightsql.SqlTransactionNone),
		flightsql.SqlInfoFlightSqlServerCancel:           false,
		flightsql.SqlInfoFlightSqlServerStatementTimeout: int32(cfg.Serve.Timeout / time.Millisecond),
		flightsql.SqlInfoDDLCatalog:                      false,
		flightsql.SqlInfoDDLSchema:                       false,
		flightsql.SqlInfoDDLTable:                        false,
		flightsql.SqlInfoIdentifierCase:                  int64(flightsql.SqlCaseSensitivityCaseInsensitive),
		flightsql.SqlInfoIdentifierQuoteChar:             `"`,
		flightsql.SqlInfoQuotedIdentifierCase:            int64(flightsql.SqlCaseSensitivityCaseInsensitive),
		flightsql.SqlInfoAllTablesAreASelectable:         true,
		flightsql.SqlInfoNullOrdering:                    int64(flightsql.SqlNullOrderingSortAtEnd),
		flightsql.SqlInfoTransactionsSupported:           false,
	} {
		_ = s.RegisterSqlInfo(k, v)
	}
	return s
}

// open opens the per-query sandbox on the current snapshot (concurrent opens of one
// generation share a DuckDB instance; warehouse.OpenAnalyst sets it up once).
func (s *Server) open() (*analyst.Session, error) {
	scratch, err := warehouse.ProcessScratchDir(s.cfg.Warehouse)
	if err != nil {
		return nil, err
	}
	return analyst.Open(analyst.Options{
		Warehouse:      s.cfg.Warehouse,
		DB:             warehouse.Options{Timezone: s.cfg.Timezone, MemoryLimit: s.cfg.MemoryLimit, Threads: s.cfg.Threads},
		Timeout:        s.cfg.Serve.Timeout,
		TimeoutSetting: "serve.timeout",
		ScratchDir:     scratch,
	})
}

// grpcError gives a client a status it can show: refusals as PermissionDenied or
// InvalidArgument, timeouts as DeadlineExceeded, DuckDB's errors as InvalidArgument with
// DuckDB's message.
func grpcError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var ro *analyst.ReadOnlyError
	var se *analyst.StatementError
	var te *analyst.TimeoutError
	var de *duckdb.Error
	switch {
	case errors.As(err, &ro):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.As(err, &se):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.As(err, &te):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, analyst.ErrCancelled), errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.As(err, &de):
		switch de.Type {
		case duckdb.ErrorTypePermission:
			return status.Error(codes.PermissionDenied, err.Error())
		case duckdb.ErrorTypeOutOfMemory:
			return status.Error(codes.ResourceExhausted, err.Error())
		}
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// describe checks a statement and returns its result schema and parameter schema (nil when
// a parameter's type is not one a client can send as given).
func (s *Server) describe(ctx context.Context, query string) (*arrow.Schema, *arrow.Schema, error) {
	sess, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	defer sess.Close()
	cols, params, err := sess.Describe(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	return export.ArrowSchema(cols, s.cfg.Location), paramSchema(params), nil
}

// paramSchema widens parameter types to what clients send (64-bit integers and floats,
// text, booleans); any other type leaves the schema out and the client's values decide.
func paramSchema(params []duckdb.Type) *arrow.Schema {
	if len(params) == 0 {
		return nil
	}
	fields := make([]arrow.Field, len(params))
	for i, t := range params {
		var dt arrow.DataType
		switch t {
		case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT, duckdb.TYPE_INTEGER, duckdb.TYPE_BIGINT,
			duckdb.TYPE_UTINYINT, duckdb.TYPE_USMALLINT, duckdb.TYPE_UINTEGER:
			dt = arrow.PrimitiveTypes.Int64
		case duckdb.TYPE_FLOAT, duckdb.TYPE_DOUBLE:
			dt = arrow.PrimitiveTypes.Float64
		case duckdb.TYPE_VARCHAR:
			dt = arrow.BinaryTypes.String
		case duckdb.TYPE_BOOLEAN:
			dt = arrow.FixedWidthTypes.Boolean
		default:
			return nil
		}
		fields[i] = arrow.Field{Name: fmt.Sprintf("$%d", i+1), Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// run executes a query for a user as a stream of record batches, logging it when it ends.
// Each set of parameters runs the statement once; the results follow one another.
func (s *Server) run(ctx context.Context, query string, params [][]any) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	user := userFrom(ctx)
	start := time.Now()
	logEnd := func(rows int64, err error) {
		attrs := []any{"user", user, "peer", peerAddr(ctx), "rows", rows, "duration", time.Since(start).Round(time.Millisecond), "query", oneLine(query)}
		if err != nil {
			s.log.Warn("query", append(attrs, "error", err.Error())...)
		} else {
			s.log.Info("query", attrs...)
		}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, grpcError(ctx.Err())
	}
	release := func() { <-s.slots }
	sess, err := s.open()
	if err != nil {
		release()
		logEnd(0, err)
		return nil, nil, grpcError(err)
	}
	if len(params) == 0 {
		params = [][]any{nil}
	}
	res, err := sess.Query(ctx, query, params[0]...)
	if err != nil {
		sess.Close()
		release()
		logEnd(0, err)
		return nil, nil, grpcError(err)
	}
	cols, err := res.Columns()
	if err != nil {
		res.Close()
		sess.Close()
		release()
		logEnd(0, err)
		return nil, nil, grpcError(err)
	}
	schema := export.ArrowSchema(cols, s.cfg.Location)
	ch := make(chan flight.StreamChunk, 2)
	go func() {
		defer close(ch)
		defer release()
		defer sess.Close()
		var rows int64
		var err error
		for i := range params {
			if i > 0 {
				if res, err = sess.Query(ctx, query, params[i]...); err != nil {
					break
				}
			}
			rr := export.NewRecordReader(s.Alloc, res.Rows, cols, s.cfg.Location, batchRows, batchBytes)
			for rr.Next() {
				rec := rr.RecordBatch()
				rec.Retain()
				select {
				case ch <- flight.StreamChunk{Data: rec}:
				case <-ctx.Done():
					rec.Release()
				}
				if ctx.Err() != nil {
					break
				}
			}
			rows += rr.Rows()
			err = rr.Err()
			if err == nil && ctx.Err() != nil {
				err = ctx.Err()
			}
			err = res.Wrap(err)
			rr.Release()
			res.Close()
			if err != nil {
				break
			}
		}
		logEnd(rows, err)
		if err != nil {
			select {
			case ch <- flight.StreamChunk{Err: grpcError(err)}:
			case <-ctx.Done():
			}
		}
	}()
	return schema, ch, nil
}

func oneLine(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 500 {
		q = q[:500] + "…"
	}
	return q
}

// ---- statements ------------------------------------------------------------------------

// The ticket of a statement is its text: DoGet runs it (the check runs again there).
func (s *Server) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if len(cmd.GetTransactionId()) > 0 {
		return nil, status.Error(codes.Unimplemented, "transactions are not supported: the warehouse is read-only")
	}
	schema, _, err := s.describe(ctx, cmd.GetQuery())
	if err != nil {
		s.log.Warn("query", "user", userFrom(ctx), "peer", peerAddr(ctx), "rows", 0, "query", oneLine(cmd.GetQuery()), "error", err.Error())
		return nil, grpcError(err)
	}
	tkt, err := flightsql.CreateStatementQueryTicket([]byte(cmd.GetQuery()))
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: tkt}}},
		FlightDescriptor: desc,
		Schema:           flight.SerializeSchema(schema, s.Alloc),
		TotalRecords:     -1,
		TotalBytes:       -1,
	}, nil
}

func (s *Server) GetSchemaStatement(ctx context.Context, cmd flightsql.StatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	schema, _, err := s.describe(ctx, cmd.GetQuery())
	if err != nil {
		return nil, grpcError(err)
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(schema, s.Alloc)}, nil
}

func (s *Server) DoGetStatement(ctx context.Context, cmd flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	return s.run(ctx, string(cmd.GetStatementHandle()), nil)
}

func (s *Server) DoPutCommandStatementUpdate(context.Context, flightsql.StatementUpdate) (int64, error) {
	return 0, status.Error(codes.PermissionDenied, "read-only: the warehouse cannot be changed through caseload serve")
}

func (s *Server) DoPutPreparedStatementUpdate(context.Context, flightsql.PreparedStatementUpdate, flight.MessageReader) (int64, error) {
	return 0, status.Error(codes.PermissionDenied, "read-only: the warehouse cannot be changed through caseload serve")
}

// ---- prepared statements ---------------------------------------------------------------

func (s *Server) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (flightsql.ActionCreatePreparedStatementResult, error) {
	var res flightsql.ActionCreatePreparedStatementResult
	if len(req.GetTransactionId()) > 0 {
		return res, status.Error(codes.Unimplemented, "transactions are not supported: the warehouse is read-only")
	}
	schema, params, err := s.describe(ctx, req.GetQuery())
	if err != nil {
		s.log.Warn("prepare", "user", userFrom(ctx), "peer", peerAddr(ctx), "query", oneLine(req.GetQuery()), "error", err.Error())
		return res, grpcError(err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return res, err
	}
	h := hex.EncodeToString(b)
	s.mu.Lock()
	s.stmts[h] = &prepared{user: userFrom(ctx), query: req.GetQuery(), schema: schema}
	s.mu.Unlock()
	res.Handle = []byte(h)
	res.DatasetSchema = schema
	res.ParameterSchema = params
	return res, nil
}

// stmt finds a prepared statement of the calling user.
func (s *Server) stmt(ctx context.Context, handle []byte) (*prepared, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.stmts[string(handle)]
	if !ok || p.user != userFrom(ctx) {
		return nil, status.Error(codes.InvalidArgument, "prepared statement not found (closed, or the server restarted)")
	}
	return p, nil
}

func (s *Server) ClosePreparedStatement(ctx context.Context, req flightsql.ActionClosePreparedStatementRequest) error {
	if _, err := s.stmt(ctx, req.GetPreparedStatementHandle()); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.stmts, string(req.GetPreparedStatementHandle()))
	s.mu.Unlock()
	return nil
}

func (s *Server) DoPutPreparedStatementQuery(ctx context.Context, cmd flightsql.PreparedStatementQuery, rdr flight.MessageReader, _ flight.MetadataWriter) ([]byte, error) {
	p, err := s.stmt(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	var params [][]any
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				sc, err := scalar.GetScalar(rec.Column(c), r)
				if err != nil {
					return nil, status.Errorf(codes.InvalidArgument, "parameter %d: %v", c+1, err)
				}
				if row[c], err = scalarValue(sc); err != nil {
					return nil, status.Errorf(codes.InvalidArgument, "parameter %d: %v", c+1, err)
				}
				if rs, ok := sc.(scalar.Releasable); ok {
					rs.Release()
				}
			}
			params = append(params, row)
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	p.params = params
	s.mu.Unlock()
	return cmd.GetPreparedStatementHandle(), nil
}

func (s *Server) GetFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	p, err := s.stmt(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}},
		FlightDescriptor: desc,
		Schema:           flight.SerializeSchema(p.schema, s.Alloc),
		TotalRecords:     -1,
		TotalBytes:       -1,
	}, nil
}

func (s *Server) GetSchemaPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	p, err := s.stmt(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(p.schema, s.Alloc)}, nil
}

func (s *Server) DoGetPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	p, err := s.stmt(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	query, params := p.query, p.params
	s.mu.Unlock()
	return s.run(ctx, query, params)
}

// scalarValue converts a parameter value sent by a client into one DuckDB binds.
func scalarValue(sc scalar.Scalar) (any, error) {
	if !sc.IsValid() {
		return nil, nil
	}
	switch v := sc.(type) {
	case *scalar.Boolean:
		return v.Value, nil
	case *scalar.Int8:
		return v.Value, nil
	case *scalar.Int16:
		return v.Value, nil
	case *scalar.Int32:
		return v.Value, nil
	case *scalar.Int64:
		return v.Value, nil
	case *scalar.Uint8:
		return v.Value, nil
	case *scalar.Uint16:
		return v.Value, nil
	case *scalar.Uint32:
		return v.Value, nil
	case *scalar.Uint64:
		return v.Value, nil
	case *scalar.Float32:
		return v.Value, nil
	case *scalar.Float64:
		return v.Value, nil
	case *scalar.String:
		return string(v.Value.Bytes()), nil
	case *scalar.LargeString:
		return string(v.Value.Bytes()), nil
	case *scalar.Binary:
		return v.Value.Bytes(), nil
	case *scalar.Date32:
		return v.ToTime(), nil
	case *scalar.Date64:
		return v.ToTime(), nil
	case *scalar.Timestamp:
		return v.ToTime(), nil
	case *scalar.Decimal128:
		return v.Value.ToString(v.Type.(*arrow.Decimal128Type).Scale), nil
	case *scalar.DenseUnion:
		return scalarValue(v.Value)
	}
	return nil, fmt.Errorf("unsupported parameter type %s", sc.DataType())
}

var _ array.RecordReader = (*export.RecordReader)(nil)
