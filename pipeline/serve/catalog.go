package serve

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"

	"github.com/caseload/caseload/pipeline/analyst/export"
)

// The catalogue: DuckDB's information_schema of the snapshot, read through the same
// sandbox as queries. The catalog is the snapshot database's name; schemas are its own
// (main); table types are TABLE and VIEW (DuckDB's BASE TABLE is reported as TABLE, the
// name JDBC tools ask for).

func (s *Server) infoFor(desc *flight.FlightDescriptor, schema *arrow.Schema) *flight.FlightInfo {
	return &flight.FlightInfo{
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}},
		FlightDescriptor: desc,
		Schema:           flight.SerializeSchema(schema, s.Alloc),
		TotalRecords:     -1,
		TotalBytes:       -1,
	}
}

// rowsOf runs a catalogue query in a fresh sandbox and returns its rows as text.
func (s *Server) rowsOf(ctx context.Context, q string, args ...any) ([][]string, error) {
	sess, err := s.open()
	if err != nil {
		return nil, grpcError(err)
	}
	defer sess.Close()
	res, err := sess.Query(ctx, q, args...)
	if err != nil {
		return nil, grpcError(err)
	}
	defer res.Close()
	cols, _ := res.Rows.Columns()
	var out [][]string
	for res.Rows.Next() {
		vals := make([]*string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Rows.Scan(ptrs...); err != nil {
			return nil, grpcError(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v != nil {
				row[i] = *v
			}
		}
		out = append(out, row)
	}
	return out, grpcError(res.Wrap(res.Rows.Err()))
}

// send streams one record of string columns (nulls where nullable and empty).
func (s *Server) send(schema *arrow.Schema, rows [][]string, extra func(b *array.RecordBuilder, row int)) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.Alloc, schema)
	defer b.Release()
	for r, row := range rows {
		for i, v := range row {
			sb := b.Field(i).(*array.StringBuilder)
			if v == "" && schema.Field(i).Nullable {
				sb.AppendNull()
			} else {
				sb.Append(v)
			}
		}
		if extra != nil {
			extra(b, r)
		}
	}
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: b.NewRecordBatch()}
	close(ch)
	return schema, ch, nil
}

func (s *Server) GetFlightInfoCatalogs(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.infoFor(desc, schema_ref.Catalogs), nil
}

func (s *Server) DoGetCatalogs(ctx context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	rows, err := s.rowsOf(ctx, "SELECT current_database()")
	if err != nil {
		return nil, nil, err
	}
	return s.send(schema_ref.Catalogs, rows, nil)
}

func (s *Server) GetFlightInfoSchemas(_ context.Context, _ flightsql.GetDBSchemas, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.infoFor(desc, schema_ref.DBSchemas), nil
}

// catalogFilter: a client's catalog, when given, must be ours ("" means no catalog).
const catalogFilter = " catalog_name = current_database() AND ($1::VARCHAR IS NULL OR catalog_name = $1) "

func (s *Server) DoGetDBSchemas(ctx context.Context, cmd flightsql.GetDBSchemas) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	rows, err := s.rowsOf(ctx, `SELECT catalog_name, schema_name FROM information_schema.schemata
		WHERE `+catalogFilter+` AND schema_name NOT IN ('information_schema', 'pg_catalog')
		AND schema_name LIKE coalesce($2, '%') ESCAPE '\' ORDER BY schema_name`,
		cmd.GetCatalog(), cmd.GetDBSchemaFilterPattern())
	if err != nil {
		return nil, nil, err
	}
	return s.send(schema_ref.DBSchemas, rows, nil)
}

func (s *Server) GetFlightInfoTables(_ context.Context, cmd flightsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if cmd.GetIncludeSchema() {
		return s.infoFor(desc, schema_ref.TablesWithIncludedSchema), nil
	}
	return s.infoFor(desc, schema_ref.Tables), nil
}

func (s *Server) DoGetTables(ctx context.Context, cmd flightsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	var types *string
	if tt := cmd.GetTableTypes(); len(tt) > 0 {
		j := strings.ToUpper(strings.Join(tt, ","))
		types = &j
	}
	rows, err := s.rowsOf(ctx, `SELECT table_catalog, table_schema, table_name, t FROM (
		SELECT table_catalog AS catalog_name, table_catalog, table_schema, table_name,
			CASE table_type WHEN 'BASE TABLE' THEN 'TABLE' WHEN 'VIEW' THEN 'VIEW' ELSE table_type END AS t
		FROM information_schema.tables)
		WHERE `+catalogFilter+`
		AND table_schema LIKE coalesce($2, '%') ESCAPE '\'
		AND table_name LIKE coalesce($3, '%') ESCAPE '\'
		AND ($4::VARCHAR IS NULL OR list_contains(string_split($4, ','), t))
		ORDER BY t, table_schema, table_name`,
		cmd.GetCatalog(), cmd.GetDBSchemaFilterPattern(), cmd.GetTableNameFilterPattern(), types)
	if err != nil {
		return nil, nil, err
	}
	if !cmd.GetIncludeSchema() {
		return s.send(schema_ref.Tables, rows, nil)
	}
	cols, err := s.rowsOf(ctx, `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
		WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position`)
	if err != nil {
		return nil, nil, err
	}
	byTable := map[string][]export.Column{}
	for _, c := range cols {
		k := c[0] + "." + c[1]
		byTable[k] = append(byTable[k], export.Column{Name: c[2], Type: strings.ToUpper(c[3])})
	}
	return s.send(schema_ref.TablesWithIncludedSchema, rows, func(b *array.RecordBuilder, r int) {
		schema := export.ArrowSchema(byTable[rows[r][1]+"."+rows[r][2]], s.cfg.Location)
		b.Field(4).(*array.BinaryBuilder).Append(flight.SerializeSchema(schema, s.Alloc))
	})
}

func (s *Server) GetFlightInfoTableTypes(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.infoFor(desc, schema_ref.TableTypes), nil
}

func (s *Server) DoGetTableTypes(context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	return s.send(schema_ref.TableTypes, [][]string{{"TABLE"}, {"VIEW"}}, nil)
}
