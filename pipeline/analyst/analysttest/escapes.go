package analysttest

// Escapes lists statements that try to get out of the analysts' sandbox: change the
// warehouse, read or write files, attach databases, load extensions, change or unlock the
// configuration. Every way analysts run SQL (caseload sql, its prompt, the Flight SQL
// server) must refuse each of them. dir is a project directory, secret a file in it that
// must not be read, target a file that must not be written.
func Escapes(dir, secret, target string) []string {
	return []string{
		"CREATE TABLE x AS SELECT 1",
		"CREATE TEMP TABLE x AS SELECT 1",
		"CREATE VIEW v AS SELECT 1",
		"CREATE MACRO m(a) AS a",
		"INSERT INTO cases SELECT * FROM cases",
		"UPDATE cases SET status = 'completed'",
		"DELETE FROM cases",
		"DROP TABLE cases",
		"ALTER TABLE cases ADD COLUMN x INT",
		"SELECT 1; DROP TABLE cases",
		"SELECT * FROM read_csv('" + secret + "')",
		"SELECT * FROM read_text('" + secret + "')",
		"SELECT * FROM glob('" + dir + "/*')",
		"SELECT * FROM query('SELECT * FROM read_text(''" + secret + "'')')",
		"COPY cases TO '" + target + "'",
		"SELECT * FROM cases; COPY cases TO '" + target + "'",
		"EXPORT DATABASE '" + dir + "/exp'",
		"ATTACH '" + dir + "/other.duckdb' AS o",
		"ATTACH ':memory:' AS m",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET enable_external_access = true",
		"SET lock_configuration = false",
		"SET allowed_directories = ['/']",
		"PRAGMA enable_external_access",
		"CHECKPOINT",
		"CALL pragma_version()",
	}
}
