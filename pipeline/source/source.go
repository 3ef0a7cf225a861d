// Package source reads a user's export file (XLSX workbook, JSON array or
// NDJSON) into a header plus raw text rows, each carrying the line or row
// number a user would use to find it in the file.
//
// Readers do not interpret field meaning: validation happens later in SQL.
// The only conversions are those needed to turn typed spreadsheet/JSON values
// into text (dates, numbers, booleans, nested JSON).
package source

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Row is one data row of a source file.
type Row struct {
	// Line is the 1-based line (JSON) or sheet row number (XLSX, as Excel
	// shows it) where the record starts.
	Line int64
	// Fields is aligned with Header(); missing trailing cells are "".
	Fields []string
}

// Reader yields the rows of one source file.
type Reader interface {
	// Header returns the header names as in the file (trimmed). The caller
	// maps aliases. The slice must not be modified.
	Header() []string
	// Next returns the next row, or io.EOF at the end. A malformed file
	// yields an *Error. The returned Fields slice may be reused by the next
	// call.
	Next() (Row, error)
	// Close releases the file.
	Close() error
}

// Error is a malformed-file error: it names the file, the line (0 if not
// applicable) and what was expected.
//
// For XLSX files Line is the sheet row number and Column the 1-based column
// number (printed as a column letter); for JSON files Line and Column are the
// 1-based text position (Column counts characters, 0 if unknown).
type Error struct {
	Path   string
	Line   int64
	Column int
	Msg    string

	sheet bool  // Line/Column are a sheet row and column (print "row 7, column C")
	err   error // underlying cause, if any
}

// Error implements error:
//
//	incoming/a.xlsx: row 7: ...
//	incoming/a.xlsx: row 12, column N: ...
//	x.json: line 3, column 15: ...
//	x.xlsx: not a valid XLSX file (zip: ...)
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	b.WriteString(": ")
	if e.Line > 0 {
		if e.sheet {
			b.WriteString("row ")
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.FormatInt(e.Line, 10))
		if e.Column > 0 {
			b.WriteString(", column ")
			if e.sheet {
				b.WriteString(columnName(e.Column))
			} else {
				b.WriteString(strconv.Itoa(e.Column))
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause (a zip, XML or I/O error), if any.
func (e *Error) Unwrap() error { return e.err }

func columnName(col int) string {
	if name, err := excelize.ColumnNumberToName(col); err == nil {
		return name
	}
	return "#" + strconv.Itoa(col)
}

func errorf(path string, line int64, col int, format string, args ...any) *Error {
	return &Error{Path: path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func sheetErrorf(path string, row int64, col int, format string, args ...any) *Error {
	e := errorf(path, row, col, format, args...)
	e.sheet = true
	return e
}
