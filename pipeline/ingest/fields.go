package ingest

import (
	"fmt"
	"strings"
)

// builtinAliases are the header names of SPEC §4.1 (matched case-insensitively after trimming).
var builtinAliases = map[string][]string{
	"case_id":        {"办件编号", "受理编号", "案件编号"},
	"item_code":      {"事项编码", "事项代码"},
	"received_at":    {"受理时间", "收件时间"},
	"completed_at":   {"办结时间"},
	"status":         {"办理状态", "状态"},
	"channel":        {"办理渠道", "渠道"},
	"applicant_type": {"申请人类型", "身份类别"},
	"country":        {"侨居国", "侨居国家", "国家或地区"},
	"district":       {"乡镇街道", "所属镇街"},
	"trips":          {"跑动次数"},
	"backlog":        {"历史疑难件", "是否积案"},
	"backlog_since":  {"积案起始日期"},
	"updated_at":     {"更新时间"},
}

// requiredFields must be present as columns in every file.
var requiredFields = []string{"case_id", "item_code", "received_at", "status"}

// Mapping says which source column (index) holds each canonical field; -1 when absent.
type Mapping struct {
	Header []string
	Field  map[string]int // canonical field -> column index
	Extra  []int          // columns that are not §4.1 fields
}

// normHeader is how header names are compared.
func normHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	return strings.ToLower(strings.TrimSpace(s))
}

// aliasTable builds header -> field for a source (built-ins plus its `columns:`).
func aliasTable(extra map[string]string) map[string]string {
	t := map[string]string{}
	for f, as := range builtinAliases {
		t[f] = f
		for _, a := range as {
			t[normHeader(a)] = f
		}
	}
	for h, f := range extra {
		t[normHeader(h)] = f
	}
	return t
}

// MapHeader maps a header row to fields. It fails when a required field is missing or two
// columns map to the same field.
func MapHeader(header []string, extra map[string]string) (*Mapping, error) {
	t := aliasTable(extra)
	m := &Mapping{Header: header, Field: map[string]int{}}
	for i, h := range header {
		f, ok := t[normHeader(h)]
		if !ok {
			m.Extra = append(m.Extra, i)
			continue
		}
		if j, dup := m.Field[f]; dup {
			return nil, fmt.Errorf("columns %q and %q both mean %s; keep one", header[j], h, f)
		}
		m.Field[f] = i
	}
	var missing []string
	for _, f := range requiredFields {
		if _, ok := m.Field[f]; !ok {
			missing = append(missing, fmt.Sprintf("%s (%s)", f, strings.Join(builtinAliases[f], "/")))
		}
	}
	if len(missing) > 0 {
		shown := make([]string, 0, len(header))
		for _, h := range header {
			if strings.TrimSpace(h) != "" {
				shown = append(shown, h)
			}
		}
		if len(shown) > 12 {
			shown = append(shown[:12], "…")
		}
		return nil, fmt.Errorf("missing required columns: %s; the header has: %s (add an alias under the source's columns: if the export names them differently)",
			strings.Join(missing, ", "), strings.Join(shown, ", "))
	}
	return m, nil
}

// looksLikeHeader reports whether a row could be the header: at least two required fields.
func looksLikeHeader(extra map[string]string) func([]string) bool {
	t := aliasTable(extra)
	return func(row []string) bool {
		n := 0
		seen := map[string]bool{}
		for _, h := range row {
			if f, ok := t[normHeader(h)]; ok && !seen[f] {
				seen[f] = true
				for _, r := range requiredFields {
					if r == f {
						n++
					}
				}
			}
		}
		return n >= 2
	}
}
