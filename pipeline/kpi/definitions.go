package kpi

import (
	"fmt"
	"strings"
)

// Definitions parses the definition header of every figure from the embedded KPI SQL
// (the only place definitions are written; see sql/kpi/00_common.sql for the format) and
// returns them: the §5 keys in Keys() order first, then the per-item-only figures in file
// order. It fails on a malformed header, a key defined twice, or a §5 key left undefined.
func Definitions() ([]Definition, error) {
	files, err := Files()
	if err != nil {
		return nil, err
	}
	var all []Definition
	for _, f := range files {
		defs, err := parseDefinitions("sql/"+f.Name, f.SQL)
		if err != nil {
			return nil, err
		}
		all = append(all, defs...)
	}
	byKey := map[string]Definition{}
	var extra []Definition
	for _, d := range all {
		if prev, ok := byKey[d.Key]; ok {
			return nil, fmt.Errorf("kpi %s is defined twice: in %s and %s", d.Key, prev.File, d.File)
		}
		byKey[d.Key] = d
		if !isKey(d.Key) {
			if d.Scope != "by_item" {
				return nil, fmt.Errorf("%s: @kpi %s is not a key of SPEC §5; mark it by_item or fix the key", d.File, d.Key)
			}
			extra = append(extra, d)
		}
	}
	out := make([]Definition, 0, len(all))
	for _, k := range keys {
		d, ok := byKey[k]
		if !ok {
			return nil, fmt.Errorf("kpi %s has no definition header in sql/kpi", k)
		}
		out = append(out, d)
	}
	return append(out, extra...), nil
}

// DefinitionOf returns the definition of one key (false when there is none).
func DefinitionOf(key string) (Definition, bool) {
	defs, err := Definitions()
	if err != nil {
		return Definition{}, false
	}
	for _, d := range defs {
		if d.Key == key {
			return d, true
		}
	}
	return Definition{}, false
}

func isKey(k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// parseDefinitions reads the "-- @kpi KEY 名称 [by_item]" blocks (with their name:, zh: and
// en: lines) of one file.
func parseDefinitions(file, text string) ([]Definition, error) {
	var out []Definition
	var cur *Definition
	var field *string // the zh/en text continuation lines extend
	finish := func(line int) error {
		if cur == nil {
			return nil
		}
		cur.ZH, cur.EN = strings.TrimSpace(cur.ZH), strings.TrimSpace(cur.EN)
		if cur.ZH == "" || cur.EN == "" || cur.NameEN == "" {
			return fmt.Errorf("%s:%d: @kpi %s needs a \"-- name:\", a \"-- zh:\" and an \"-- en:\" line", file, line, cur.Key)
		}
		out = append(out, *cur)
		cur, field = nil, nil
		return nil
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimSpace(raw)
		body, isComment := strings.CutPrefix(line, "--")
		if !isComment || strings.TrimSpace(body) == "" {
			if err := finish(n); err != nil {
				return nil, err
			}
			continue
		}
		trimmed := strings.TrimSpace(body)
		switch {
		case strings.HasPrefix(trimmed, "@kpi"):
			if err := finish(n); err != nil {
				return nil, err
			}
			f := strings.Fields(strings.TrimPrefix(trimmed, "@kpi"))
			if len(f) < 2 || len(f) > 3 || (len(f) == 3 && f[2] != "by_item") {
				return nil, fmt.Errorf("%s:%d: want \"-- @kpi KEY 中文名称 [by_item]\", got %q", file, n, line)
			}
			cur = &Definition{Key: f[0], Name: f[1], File: file, Scope: "kpis"}
			if len(f) == 3 {
				cur.Scope = "by_item"
			}
		case cur == nil:
			// an ordinary comment
		case strings.HasPrefix(trimmed, "name:"):
			if cur.NameEN != "" {
				return nil, fmt.Errorf("%s:%d: @kpi %s has two name: lines", file, n, cur.Key)
			}
			cur.NameEN = strings.TrimSpace(strings.TrimPrefix(trimmed, "name:"))
			field = nil
		case strings.HasPrefix(trimmed, "zh:"):
			if cur.ZH != "" {
				return nil, fmt.Errorf("%s:%d: @kpi %s has two zh: lines", file, n, cur.Key)
			}
			cur.ZH = strings.TrimSpace(strings.TrimPrefix(trimmed, "zh:"))
			field = &cur.ZH
		case strings.HasPrefix(trimmed, "en:"):
			if cur.EN != "" {
				return nil, fmt.Errorf("%s:%d: @kpi %s has two en: lines", file, n, cur.Key)
			}
			cur.EN = strings.TrimSpace(strings.TrimPrefix(trimmed, "en:"))
			field = &cur.EN
		case field != nil && strings.HasPrefix(body, "  "):
			// continuation line: Chinese joins without a space, English with one
			sep := " "
			if field == &cur.ZH {
				sep = ""
			}
			*field += sep + trimmed
		case cur.ZH != "" && cur.EN != "":
			// an ordinary comment after a complete header ends it
			if err := finish(n); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s:%d: unexpected line in the header of @kpi %s: %q", file, n, cur.Key, line)
		}
	}
	if err := finish(len(lines)); err != nil {
		return nil, err
	}
	return out, nil
}
