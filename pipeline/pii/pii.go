// Package pii decides what a pull does with personal data in case exports (issue 12;
// 《个人信息保护法》 asks for minimisation): which columns hold it by their header (headers.go,
// plus pii.columns in caseload.yaml), the policy for them (hash or drop; keep only for columns
// named explicitly), the keyed hash, and what is masked inside other text (scrub.go). The
// README's "Personal data" section says what an office can rely on.
//
// Every column of a file that is not a §4.1 field is one of:
//
//   - personal data by header (申请人姓名, 身份证号, 联系电话, 住址…, or named in pii.columns):
//     hashed or dropped, as pii.policy says;
//   - kept (named in pii.columns with keep): as it is, with a warning on every pull;
//   - anything else (备注, 经办窗口…): searched row by row, and what it holds of personal data
//     is masked in place — the same row's personal-data values as [column], then ID numbers,
//     mobile numbers, e-mail addresses, travel permits and passports as placeholders (Scrub).
//
// A rejected row's raw record gets the same treatment, and its §4.1 fields except case_id are
// scrubbed too (a row that fails validation is often one whose columns slid: a name in
// 办理状态). The case id is the office's key: kept, and warned about when it looks like an ID
// number (IDLike).
//
// # Go, not SQL
//
// The project keeps business rules in SQL. These are Go, exposed to the pull's SQL as scalar
// functions (Register: cl_pii_scrub, cl_pii_id_like, cl_pii_hash), for two reasons. HMAC is
// not a DuckDB function (below). And the text rules, written as DuckDB macros (a tokenizer with
// regexp_extract_all, list_transform over the tokens, the check digit with
// list_inner_product), cost about 1 s of one core per million remarks with a fifth of them
// holding an ID number or phone — about 20% of a million-row pull — where the Go scan takes
// about 0.1 s: the issue asks for under 10%. The rules are still written once, here; the
// staging SQL calls them. Migration 006, which cannot call Go, carries a frozen SQL copy of
// them as they were in that version, checked against these by TestMigration006Rules and
// FuzzScrub.
//
// # The keyed hash
//
// hash replaces a value by HMAC-SHA256(key, value) — the first 16 hex digits (64 bits) — with
// the key from an environment variable (pii.key_env, default CASELOAD_PII_KEY). The same value
// hashes the same in every pull with the same key, so distinct counts and joins on hashed
// columns still work; without the key a hash cannot be computed from a guessed value, which
// matters for ID numbers and phones, whose possible values are few enough to try them all (a
// plain sha256(value), or sha256 of the key followed by the value — open to length extension —
// would not do). The value is hashed as written, without surrounding blanks, with full-width
// ASCII (１３８…, ＡＢＣ) and the ideographic space as their half-width forms, runs of blanks
// as one space and ASCII letters upper-cased: "11010519491231002x" and "11010519491231002X",
// " 林秀英" and "林秀英" hash the same.
//
// HMAC is a Go scalar function (duckdb-go's RegisterScalarUDF), cl_pii_hash(VARCHAR),
// registered on the pull's private generation: the key lives only in this process's memory,
// never in SQL text, a variable, a log line, an error or the warehouse. (HMAC can be written
// with DuckDB's sha256 over (key ⊕ ipad) and (key ⊕ opad) held in variables; that puts key
// material in the session and took about three times as long.) The ledger records a key id —
// the first 8 hex digits of HMAC(key, "caseload pii key id") — so that a changed key shows (the
// pull warns), without revealing anything of the key.
package pii

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/pipeline/config"
)

// MinKeyLen is the shortest key accepted, in characters.
const MinKeyLen = 16

// Policy is pii: of caseload.yaml resolved against the environment.
type Policy struct {
	Default string // what personal-data columns get unless pii.columns says otherwise: hash | drop
	KeyEnv  string // the variable the key comes from
	KeyID   string // hash: identifies the key (not secret); "" when there is no key
	// Reason says where Default comes from: "pii.policy", "key set" ($KeyEnv is set) or
	// "no key" ($KeyEnv is not set, so personal data is dropped).
	Reason  string
	key     []byte
	columns map[string]string // lower-cased header → "" (Default), hash, drop or keep
}

// KeyError is a key that is needed and missing or too short. It names the variable, never
// its value.
type KeyError struct {
	Env, Why string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("personal data: %s; set it to a secret of at least %d characters (e.g. the output of `openssl rand -hex 32`) in the environment caseload runs in, or set pii.policy: drop in caseload.yaml", e.Why, MinKeyLen)
}

// Resolve reads the key (when the policy needs it, or to choose the default) through lookup
// (os.LookupEnv in production).
func Resolve(c config.PII, lookup func(string) (string, bool)) (*Policy, error) {
	p := &Policy{KeyEnv: c.KeyEnv, columns: map[string]string{}}
	if p.KeyEnv == "" {
		p.KeyEnv = config.DefaultPIIKeyEnv
	}
	for h, how := range c.Columns {
		p.columns[norm(h)] = how
	}
	v, set := lookup(p.KeyEnv)
	set = set && v != ""
	needs := c.Policy == "hash"
	for _, how := range c.Columns {
		needs = needs || how == "hash"
	}
	switch {
	case set && utf8.RuneCountInString(v) < MinKeyLen:
		return nil, &KeyError{Env: p.KeyEnv, Why: fmt.Sprintf("$%s is %d characters long, shorter than %d", p.KeyEnv, utf8.RuneCountInString(v), MinKeyLen)}
	case !set && needs:
		what := "pii.policy is hash"
		if c.Policy != "hash" {
			what = "pii.columns asks for hash"
		}
		return nil, &KeyError{Env: p.KeyEnv, Why: fmt.Sprintf("%s, but the environment variable %s that holds the key is not set", what, p.KeyEnv)}
	}
	if set {
		p.key = []byte(v)
		m := hmac.New(sha256.New, p.key)
		m.Write([]byte("caseload pii key id"))
		p.KeyID = hex.EncodeToString(m.Sum(nil)[:4])
	}
	switch {
	case c.Policy != "":
		p.Default, p.Reason = c.Policy, "pii.policy"
	case set:
		p.Default, p.Reason = "hash", "key set"
	default:
		p.Default, p.Reason = "drop", "no key"
	}
	return p, nil
}

// Treatment of one column.
const (
	Hash = "hash" // personal data, replaced by its keyed hash
	Drop = "drop" // personal data, left out
	Keep = "keep" // named in pii.columns with keep: as it is
	Free = ""     // not personal data by its header: searched value by value, masked in place
)

// Column says what happens to a column (that is not a §4.1 field) of this header, and why:
// by is "config" (pii.columns names it), "header" (the built-in list) or "" (neither).
func (p *Policy) Column(header string) (how, by string) {
	if c, ok := p.columns[norm(header)]; ok {
		if c == "" {
			c = p.Default
		}
		return c, "config"
	}
	if ByHeader(header) {
		return p.Default, "header"
	}
	return Free, ""
}

func norm(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}

// Register makes the pull's scalar functions available on conn's database (a registration
// replaces an earlier one of the same name): cl_pii_scrub and cl_pii_id_like (scrub.go) and,
// with a key, cl_pii_hash(VARCHAR) → VARCHAR, the keyed hash (without a key the staging SQL
// never calls it).
func (p *Policy) Register(conn *sql.Conn) error {
	fns := map[string]duckdb.ScalarFunc{"cl_pii_scrub": scrubFunc{}, "cl_pii_id_like": idLikeFunc{}}
	if p.key != nil {
		fns["cl_pii_hash"] = &hashFunc{key: p.key}
	}
	for name, f := range fns {
		if err := duckdb.RegisterScalarUDF(conn, name, f); err != nil {
			return fmt.Errorf("personal data: registering %s: %w", name, err)
		}
	}
	return nil
}

// Sum is the hash a value gets ("" for a value that is empty once normalised): what
// cl_pii_hash returns, for tests and tools. Without a key it is "".
func (p *Policy) Sum(v string) string {
	if p.key == nil {
		return ""
	}
	h := newHasher(p.key)
	return h.sum(v)
}

// hashFunc is the scalar function cl_pii_hash.
type hashFunc struct{ key []byte }

func (f *hashFunc) Config() duckdb.ScalarFuncConfig {
	vt, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{vt}, ResultTypeInfo: vt}
}

func (f *hashFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
		in, err := st.GetInputChunk().GetVector(0)
		if err != nil {
			return err
		}
		view, err := duckdb.GetVectorView[string](in)
		if err != nil {
			return err
		}
		out, err := duckdb.GetVectorWriter[string](st.GetResultVector())
		if err != nil {
			return err
		}
		h := newHasher(f.key) // one per call: DuckDB calls from several threads at once
		for i := 0; i < view.Len(); i++ {
			v, ok, err := view.GetValueBorrowed(i)
			if err != nil {
				return err
			}
			if !ok {
				continue // NULL in, NULL out (set by the driver)
			}
			if d := h.digest(v); d == nil {
				err = out.SetNull(i)
			} else {
				err = out.Set(i, unsafe.String(&d[0], len(d))) // Set copies it at once
			}
			if err != nil {
				return err
			}
		}
		return nil
	}}
}

// hasher computes the keyed hash of values, reusing its buffers (not safe for concurrent use).
type hasher struct {
	mac hmacState
	buf []byte
	dig [sha256.Size]byte
	hex [16]byte
}

func newHasher(key []byte) *hasher { return &hasher{mac: newHMAC(key)} }

// sum normalises v (see the package doc) and returns its hash, "" when nothing is left.
func (h *hasher) sum(v string) string {
	if d := h.digest(v); d != nil {
		return string(d)
	}
	return ""
}

// digest is sum in h's own buffer (valid until the next call), nil when nothing is left.
func (h *hasher) digest(v string) []byte {
	h.buf = normalize(h.buf[:0], v)
	if len(h.buf) == 0 {
		return nil
	}
	h.mac.sum(h.dig[:0], h.buf)
	hex.Encode(h.hex[:], h.dig[:8])
	return h.hex[:]
}

// normalize appends v to b without surrounding blanks, full-width ASCII and U+3000 as their
// half-width forms, runs of blanks (space, tab, CR, LF, U+3000, U+00A0) as one space, ASCII
// letters upper-cased.
func normalize(b []byte, v string) []byte {
	plain := len(v) > 0 && v[0] != ' ' && v[len(v)-1] != ' '
	for i := 0; plain && i < len(v); i++ {
		c := v[i]
		plain = c >= '!' && c < utf8.RuneSelf && !(c >= 'a' && c <= 'z')
	}
	if plain { // printable ASCII without blanks or lower-case letters: as it is
		return append(b, v...)
	}
	space := false
	for _, r := range v {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000 || r == 0xA0 || r == '\t' || r == '\r' || r == '\n':
			r = ' '
		}
		if r == ' ' {
			space = true
			continue
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}
