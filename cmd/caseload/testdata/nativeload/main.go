// Command nativeload is the pull benchmark's yardstick (BenchmarkPullProcess): DuckDB's own
// load of a CSV file into a table of a new database file, as a whole process, with nothing
// of caseload's around it — read_csv with its type detection, CREATE TABLE … AS, CHECKPOINT.
//
//	nativeload DB.duckdb CASES.csv
package main

import (
	"database/sql"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: nativeload DB.duckdb CASES.csv")
		os.Exit(2)
	}
	db, err := sql.Open("duckdb", os.Args[1])
	if err == nil {
		_, err = db.Exec("CREATE TABLE cases AS SELECT * FROM read_csv('" + strings.ReplaceAll(os.Args[2], "'", "''") + "')")
	}
	if err == nil {
		_, err = db.Exec("CHECKPOINT")
	}
	if err == nil {
		err = db.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nativeload:", err)
		os.Exit(1)
	}
}
