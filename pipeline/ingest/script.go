package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	sqlfiles "github.com/caseload/caseload/sql"
)

// execer is a connection or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// execScript runs an embedded SQL file statement by statement (statements end with ';' at
// the end of a line), logging each one's time at debug level. If the last statement is a
// SELECT it is not run but returned, for the caller to read.
func execScript(ctx context.Context, tx execer, name string, log *slog.Logger) (string, error) {
	stmts := splitSQL(sqlfiles.MustRead(name))
	last := ""
	if n := len(stmts); n > 0 && strings.HasPrefix(strings.ToUpper(stripComments(stmts[n-1])), "SELECT") {
		last, stmts = stmts[n-1], stmts[:n-1]
	}
	for i, st := range stmts {
		t := time.Now()
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return "", fmt.Errorf("%s statement %d: %w", name, i+1, err)
		}
		log.Debug("sql", "file", name, "statement", i+1, "seconds", time.Since(t).Seconds())
	}
	return last, nil
}

// splitSQL splits a script into statements at ';' ending a line.
func splitSQL(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(script, "\n") {
		cur.WriteString(line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") && !strings.HasPrefix(strings.TrimSpace(line), "--") {
			if st := strings.TrimSpace(cur.String()); stripComments(st) != "" {
				out = append(out, st)
			}
			cur.Reset()
		}
	}
	if st := strings.TrimSpace(cur.String()); stripComments(st) != "" {
		out = append(out, st)
	}
	return out
}

// stripComments drops whole-line "--" comments and surrounding space.
func stripComments(st string) string {
	var b strings.Builder
	for _, line := range strings.Split(st, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
			b.WriteString(t)
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}
