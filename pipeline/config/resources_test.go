package config

import (
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

var update = flag.Bool("update", false, "rewrite sql/data/icu-timezones.txt from DuckDB")

// TestICUTimezones: the embedded list of zone names is DuckDB's own (so a zone that passes
// validation is one DuckDB accepts).
func TestICUTimezones(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT name FROM pg_timezone_names() ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	var v string
	db.QueryRow("SELECT version()").Scan(&v)
	if *update {
		text := "# Time zone names DuckDB's ICU knows (SELECT name FROM pg_timezone_names() ORDER BY name),\n" +
			"# DuckDB " + strings.TrimPrefix(v, "v") + ". Regenerate: go test ./pipeline/config -run TestICUTimezones -update\n" +
			strings.Join(names, "\n") + "\n"
		if err := os.WriteFile(filepath.Join("..", "..", "sql", "data", "icu-timezones.txt"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	known := duckdbZones()
	if len(known) != len(names) {
		t.Errorf("embedded list has %d zones, DuckDB %d: run with -update", len(known), len(names))
	}
	for _, n := range names {
		if !known[n] {
			t.Errorf("DuckDB knows %q, the embedded list does not: run with -update", n)
		}
	}
}

func TestTimezoneDuckDBKnows(t *testing.T) {
	for _, c := range []struct{ tz, want string }{
		{"right/Asia/Shanghai", `"right/Asia/Shanghai" is not a time zone DuckDB knows (its ICU data has the IANA names, e.g. Asia/Shanghai); did you mean Asia/Shanghai?`},
		{"posix/Europe/London", `did you mean Europe/London?`},
		{"Mars/Olympus", `"Mars/Olympus" is not an IANA time zone name`},
	} {
		_, err := Parse("/p/x.yaml", []byte("office: x\nitems: i.csv\ntimezone: "+c.tz+"\n"))
		if err == nil || !strings.Contains(err.Error(), "x.yaml:3: timezone: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.tz, err, c.want)
		}
	}
	for _, tz := range []string{"Asia/Shanghai", "America/New_York", "Europe/London", "UTC", "Asia/Kolkata"} {
		if _, err := Parse("/p/x.yaml", []byte("office: x\nitems: i.csv\ntimezone: "+tz+"\n")); err != nil {
			t.Errorf("%s: %v", tz, err)
		}
	}
}

// TestMemoryLimit: every accepted memory_limit is one DuckDB accepts, with the size meant;
// percentages become bytes of the memory available.
func TestMemoryLimit(t *testing.T) {
	total := func() (uint64, error) { return 8 << 30, nil }
	for _, c := range []struct {
		in   string
		want uint64
	}{
		{"4GB", 4e9}, {"4 GB", 4e9}, {"1.5GB", 1.5e9}, {"512MiB", 512 << 20}, {"2gib", 2 << 30},
		{"50%", 4 << 30}, {"12.5%", 1 << 30}, {"1073741824B", 1 << 30}, {"1073741824 bytes", 1 << 30},
	} {
		got, ok, err := memoryBytes(c.in, total)
		if !ok || err != nil || got != c.want {
			t.Errorf("%q: %d %v %v, want %d", c.in, got, ok, err, c.want)
		}
		db, err := sql.Open("duckdb", "?memory_limit="+url.QueryEscape(fmt.Sprintf("%dB", got)))
		if err == nil {
			err = db.Ping()
		}
		if err != nil {
			t.Errorf("%q → %dB: DuckDB refuses it: %v", c.in, got, err)
		} else {
			db.Close()
		}
	}
	for _, bad := range []string{"lots", "100000", "0GB", "150%", "0%", "-1GB", "4 G", "100KB"} {
		if _, ok, _ := memoryBytes(bad, total); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	c, err := Parse("/p/x.yaml", []byte("office: x\nitems: i.csv\nmemory_limit: 50%\n"))
	if err != nil || !strings.HasSuffix(c.MemoryLimit, "B") || c.MemoryLimit == "0B" {
		t.Errorf("50%%: %q %v", c.MemoryLimit, err)
	}
}
