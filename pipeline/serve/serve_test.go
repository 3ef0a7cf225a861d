package serve

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	_ "github.com/apache/arrow-go/v18/arrow/flight/flightsql/driver"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/caseload/caseload/pipeline/analyst/analysttest"
	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/gen"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	cfg  *config.Config
	addr string
	log  *syncBuffer
	stop func() error
}

const password = "口令-s3cret"

// start serves a generated project (n cases) on a loopback port: users "ana" (bcrypt hash)
// and "bi" (password from the environment).
func start(t *testing.T, n int, timeout string) *fixture {
	t.Helper()
	return startWith(t, n, timeout, "")
}

// startWith is start with more serve: keys (indented two spaces).
func startWith(t *testing.T, n int, timeout, extra string) *fixture {
	t.Helper()
	dir := t.TempDir()
	cfg := analysttest.Project(t, dir, n)
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CASELOAD_TEST_BI_PASSWORD", "bi-"+password)
	yaml, _ := os.ReadFile(cfg.Path)
	yaml = append(yaml, fmt.Sprintf("serve:\n%s  timeout: %s\n  max_queries: 3\n  users:\n    - name: ana\n      password_hash: %q\n    - name: bi\n      password_env: CASELOAD_TEST_BI_PASSWORD\n", extra, timeout, h)...)
	if err := os.WriteFile(cfg.Path, yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	if cfg, err = config.Load(cfg.Path); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := New(cfg, slog.New(slog.NewTextHandler(logs, nil)), "test")
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, "127.0.0.1:0", func(a net.Addr, _ bool) { addrs <- a }) }()
	var addr string
	select {
	case a := <-addrs:
		addr = a.String()
	case err := <-done:
		t.Fatalf("server: %v", err)
	}
	f := &fixture{cfg: cfg, addr: addr, log: logs}
	var once sync.Once
	var runErr error
	f.stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() { f.stop() })
	return f
}

func (f *fixture) client(t *testing.T) *flightsql.Client {
	t.Helper()
	c, err := flightsql.NewClient(f.addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// login authenticates as ana with the basic-auth handshake; the context carries the token.
func (f *fixture) login(t *testing.T, c *flightsql.Client) context.Context {
	t.Helper()
	ctx, err := c.Client.AuthenticateBasicToken(context.Background(), "ana", password)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// fetch runs a query (or reads a catalogue call's FlightInfo) and returns all its rows as text.
func fetch(ctx context.Context, c *flightsql.Client, info *flight.FlightInfo) (*arrow.Schema, [][]string, error) {
	var out [][]string
	var schema *arrow.Schema
	for _, ep := range info.Endpoint {
		r, err := c.DoGet(ctx, ep.Ticket)
		if err != nil {
			return nil, nil, err
		}
		schema = r.Schema()
		for r.Next() {
			rec := r.RecordBatch()
			for i := 0; i < int(rec.NumRows()); i++ {
				row := make([]string, rec.NumCols())
				for j := range row {
					row[j] = rec.Column(j).ValueStr(i)
				}
				out = append(out, row)
			}
		}
		err = r.Err()
		r.Release()
		if err != nil {
			return nil, nil, err
		}
	}
	return schema, out, nil
}

func query(ctx context.Context, c *flightsql.Client, q string) (*arrow.Schema, [][]string, error) {
	info, err := c.Execute(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, c, info)
}

func code(err error) codes.Code {
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	return codes.Unknown
}

// TestFlightSQL: arrow-go's own Flight SQL client lists tables, runs a query, runs a prepared
// statement with a parameter; a wrong password and a missing token are refused; every
// sandbox escape `caseload sql` refuses is refused too, as a statement and as a prepared
// statement; each query is logged (acceptance 4).
func TestFlightSQL(t *testing.T) {
	f := start(t, 3000, "2s")
	c := f.client(t)
	ctx := f.login(t, c)

	info, err := c.GetTables(ctx, &flightsql.GetTablesOpts{TableTypes: []string{"TABLE", "VIEW"}, IncludeSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	_, tables, err := fetch(ctx, c, info)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, r := range tables {
		kinds[r[2]] = r[3]
	}
	if kinds["cases"] != "TABLE" || kinds["cases_named"] != "VIEW" || kinds["kpi_monthly"] != "VIEW" {
		t.Errorf("tables: %v", tables)
	}
	info, _ = c.GetTables(ctx, &flightsql.GetTablesOpts{TableNameFilterPattern: ptr("case%"), TableTypes: []string{"VIEW"}})
	if _, rows, err := fetch(ctx, c, info); err != nil || len(rows) != 1 || rows[0][2] != "cases_named" {
		t.Errorf("filtered tables: %v %v", rows, err)
	}
	for name, call := range map[string]func() (*flight.FlightInfo, error){
		"catalogs":    func() (*flight.FlightInfo, error) { return c.GetCatalogs(ctx) },
		"schemas":     func() (*flight.FlightInfo, error) { return c.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{}) },
		"table types": func() (*flight.FlightInfo, error) { return c.GetTableTypes(ctx) },
		"sql info": func() (*flight.FlightInfo, error) {
			return c.GetSqlInfo(ctx, []flightsql.SqlInfo{flightsql.SqlInfoFlightSqlServerName, flightsql.SqlInfoFlightSqlServerReadOnly})
		},
	} {
		info, err := call()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, rows, err := fetch(ctx, c, info)
		if err != nil || len(rows) == 0 {
			t.Errorf("%s: %v %v", name, rows, err)
		}
		if name == "schemas" && rows[0][1] != "main" || name == "table types" && strings.Join(rows[0], "")+strings.Join(rows[1], "") != "TABLEVIEW" {
			t.Errorf("%s: %v", name, rows)
		}
	}

	schema, rows, err := query(ctx, c, "SELECT count(*) AS n, min(received_at) AS first, max(received_date) AS d, sum(trips)::DECIMAL(18,2) AS t, bool_or(backlog) AS b FROM cases")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0][0] != "3000" {
		t.Errorf("count: %v", rows)
	}
	var types []string
	for _, fl := range schema.Fields() {
		types = append(types, fl.Name+" "+fl.Type.String())
	}
	if got, want := strings.Join(types, ", "), "n int64, first timestamp[us, tz=Asia/Shanghai], d date32, t decimal(18, 2), b bool"; got != want {
		t.Errorf("schema: %s, want %s", got, want)
	}

	// A prepared statement with a parameter.
	var wantN string
	if _, r, err := query(ctx, c, "SELECT count(*) FROM cases WHERE item_code = 'QB03'"); err == nil {
		wantN = r[0][0]
	}
	ps, err := c.Prepare(ctx, "SELECT count(*) AS n FROM cases WHERE item_code = ?")
	if err != nil {
		t.Fatal(err)
	}
	if ps.ParameterSchema() == nil || ps.ParameterSchema().Field(0).Type.ID() != arrow.STRING {
		t.Errorf("parameter schema: %v", ps.ParameterSchema())
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, ps.ParameterSchema())
	b.Field(0).(*array.StringBuilder).Append("QB03")
	rec := b.NewRecordBatch()
	ps.SetParameters(rec)
	info, err = ps.Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, rows, err := fetch(ctx, c, info); err != nil || len(rows) != 1 || rows[0][0] != wantN || wantN == "" || wantN == "0" {
		t.Errorf("prepared: %v %v (want %s)", rows, err, wantN)
	}
	rec.Release()
	b.Release()
	if err := ps.Close(ctx); err != nil {
		t.Error(err)
	}

	// Refused: no token, a wrong password, an unknown user, a made-up token.
	if _, _, err := query(context.Background(), c, "SELECT 1"); code(err) != codes.Unauthenticated {
		t.Errorf("no token: %v", err)
	}
	if _, err := c.Client.AuthenticateBasicToken(context.Background(), "ana", "wrong"); code(err) != codes.Unauthenticated {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := c.Client.AuthenticateBasicToken(context.Background(), "eve", password); code(err) != codes.Unauthenticated {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := c.Client.AuthenticateBasicToken(context.Background(), "bi", "bi-"+password); err != nil {
		t.Errorf("password from the environment: %v", err)
	}

	// The sandbox: what caseload sql refuses is refused here too.
	dir := f.cfg.Dir
	secret := filepath.Join(dir, "secret.txt")
	os.WriteFile(secret, []byte("s3cret-content\n"), 0o600)
	target := filepath.Join(dir, "written.csv")
	for _, q := range analysttest.Escapes(dir, secret, target) {
		_, rows, err := query(ctx, c, q)
		if err == nil {
			t.Errorf("%s: allowed (%v)", q, rows)
		}
		if strings.Contains(fmt.Sprint(rows, err), "s3cret-content") {
			t.Errorf("%s: leaked a file", q)
		}
		if ps, err := c.Prepare(ctx, q); err == nil {
			info, err := ps.Execute(ctx)
			if err == nil {
				_, rows, err = fetch(ctx, c, info)
			}
			if err == nil {
				t.Errorf("%s: allowed as a prepared statement (%v)", q, rows)
			}
		}
	}
	if _, err := os.Stat(target); err == nil {
		t.Errorf("a file was written through Flight SQL")
	}
	if _, err := c.ExecuteUpdate(ctx, "DELETE FROM cases"); code(err) != codes.PermissionDenied {
		t.Errorf("update: %v", err)
	}
	if _, rows, err := query(ctx, c, "SELECT count(*) FROM cases"); err != nil || rows[0][0] != "3000" {
		t.Errorf("cases changed: %v %v", rows, err)
	}

	// A runaway query stops after serve.timeout.
	_, _, err = query(ctx, c, "SELECT count(*) FROM range(1000000000000000) a")
	if code(err) != codes.DeadlineExceeded || !strings.Contains(err.Error(), "query stopped after 2s (serve.timeout)") {
		t.Errorf("timeout: %v", err)
	}

	logs := f.log.String()
	for _, w := range []string{`msg=query user=ana`, `rows=1 `, `query="SELECT count(*) FROM cases"`, `msg="authentication failed" user=ana`,
		`error="read-only: DELETE statements are not allowed`, `error="query stopped after 2s (serve.timeout)"`} {
		if !strings.Contains(logs, w) {
			t.Errorf("audit log lacks %q:\n%s", w, logs)
		}
	}
	if strings.Contains(logs, password) {
		t.Errorf("a password reached the log")
	}
	if err := f.stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestFlightDriver: arrow-go's database/sql driver (basic credentials with every call).
func TestFlightDriver(t *testing.T) {
	f := start(t, 500, "5m")
	dsn := url.URL{Scheme: "flightsql", User: url.UserPassword("ana", password), Host: f.addr, RawQuery: "timeout=30s"}
	db, err := sql.Open("flightsql", dsn.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM cases").Scan(&n); err != nil || n != 500 {
		t.Fatalf("query: %d %v", n, err)
	}
	var m int64
	if err := db.QueryRow("SELECT count(*) FROM cases WHERE item_code = ? AND trips >= ?", "QB01", 0).Scan(&m); err != nil || m == 0 || m >= n {
		t.Errorf("prepared with parameters: %d %v", m, err)
	}
	rows, err := db.Query("SELECT case_id, received_at FROM cases ORDER BY case_id LIMIT 3")
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			t.Fatal(err)
		}
		k++
	}
	rows.Close()
	if k != 3 {
		t.Errorf("rows: %d", k)
	}
	bad, _ := sql.Open("flightsql", fmt.Sprintf("flightsql://ana:wrong@%s?timeout=30s", f.addr))
	defer bad.Close()
	if err := bad.QueryRow("SELECT 1").Scan(&n); err == nil || code(errors.Unwrap(err)) != codes.Unauthenticated && !strings.Contains(err.Error(), "Unauthenticated") {
		t.Errorf("wrong password through the driver: %v", err)
	}
}

// TestFlightSnapshots: ten clients query without pause while a pull publishes a new
// snapshot: every answer comes from one whole snapshot (the case count and the ledger
// agree), and queries after the pull see the new one.
func TestFlightSnapshots(t *testing.T) {
	f := start(t, 2000, "5m")
	const q = "SELECT (SELECT count(*) FROM cases) AS c, (SELECT count(*) FROM ingest_files) AS f"
	admin := f.client(t)
	actx := f.login(t, admin)
	_, before, err := query(actx, admin, q)
	if err != nil {
		t.Fatal(err)
	}
	more := filepath.Join(t.TempDir(), "more.parquet")
	if _, err := gen.WriteFile(context.Background(), more, gen.Options{Cases: 1500, Seed: 99, From: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		c := f.client(t)
		ctx := f.login(t, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, rows, err := query(ctx, c, q)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seen[rows[0][0]+"/"+rows[0][1]]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	analysttest.Pull(t, f.cfg, more)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("client: %v", err)
	}
	_, after, err := query(actx, admin, q)
	if err != nil {
		t.Fatal(err)
	}
	b, a := strings.Join(before[0], "/"), strings.Join(after[0], "/")
	if b == a || !strings.HasSuffix(a, "/2") || strings.HasPrefix(a, before[0][0]+"/") {
		t.Fatalf("the new snapshot is not seen: before %s, after %s", b, a)
	}
	for k, n := range seen {
		if k != b && k != a {
			t.Errorf("%d answers from no whole snapshot: %s (before %s, after %s)", n, k, b, a)
		}
	}
	t.Logf("answers: %v", seen)
}

// TestFlightTLS: with serve.tls_cert and serve.tls_key the server speaks TLS only.
func TestFlightTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "caseload test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	os.WriteFile(filepath.Join(dir, "s.pem"), certPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "s.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	f := startWith(t, 100, "5m", fmt.Sprintf("  tls_cert: %s\n  tls_key: %s\n", filepath.Join(dir, "s.pem"), filepath.Join(dir, "s.key")))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	c, err := flightsql.NewClient(f.addr, nil, nil, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, err := c.Client.AuthenticateBasicToken(context.Background(), "ana", password)
	if err != nil {
		t.Fatal(err)
	}
	if _, rows, err := query(ctx, c, "SELECT count(*) FROM cases"); err != nil || rows[0][0] != "100" {
		t.Errorf("over TLS: %v %v", rows, err)
	}
	plain := f.client(t)
	if _, err := plain.Client.AuthenticateBasicToken(context.Background(), "ana", password); err == nil {
		t.Errorf("a plain-text client was served")
	}
}
