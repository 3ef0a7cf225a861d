package warehouse

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Item is one row of the approval-item catalogue (SPEC §4.3).
type Item struct {
	Code          string
	Name          string
	InstantSince  *time.Time
	PromisedDays  int
	StatutoryDays int
	ActiveFrom    *time.Time
	ActiveTo      *time.Time
}

// itemColumns are the catalogue columns with the Chinese headers also accepted.
var itemColumns = []struct {
	name    string
	aliases []string
	req     bool
}{
	{"item_code", []string{"事项编码", "事项代码"}, true},
	{"name", []string{"事项名称", "名称"}, true},
	{"instant_since", []string{"即办起始日期", "即办件起始日期"}, true},
	{"promised_days", []string{"承诺时限", "承诺办结时限"}, true},
	{"statutory_days", []string{"法定时限", "法定办结时限"}, true},
	{"active_from", []string{"启用日期", "生效日期"}, false},
	{"active_to", []string{"停用日期", "失效日期"}, false},
}

// ReadItems reads and validates an items.csv (UTF-8 or GB18030). Errors name the file, the
// line and the column.
func ReadItems(path string) ([]Item, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}
	text, err := DecodeText(b)
	if err != nil {
		return nil, fmt.Errorf("items %s: %w", path, err)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("items %s: the file is empty; expected the header item_code,name,instant_since,promised_days,statutory_days,active_from,active_to", path)
		}
		return nil, fmt.Errorf("items %s: %w", path, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for _, c := range itemColumns {
			if h == c.name || slices.Contains(c.aliases, h) {
				if _, dup := idx[c.name]; dup {
					return nil, fmt.Errorf("items %s: line 1: column %s appears twice", path, c.name)
				}
				idx[c.name] = i
			}
		}
	}
	for _, c := range itemColumns {
		if _, ok := idx[c.name]; !ok && c.req {
			return nil, fmt.Errorf("items %s: line 1: missing column %s; expected the header item_code,name,instant_since,promised_days,statutory_days,active_from,active_to", path, c.name)
		}
	}
	var items []Item
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("items %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		get := func(col string) string {
			i, ok := idx[col]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		bad := func(col, format string, args ...any) error {
			return fmt.Errorf("items %s: line %d: %s: %s", path, line, col, fmt.Sprintf(format, args...))
		}
		it := Item{Code: get("item_code"), Name: get("name")}
		if it.Code == "" {
			return nil, bad("item_code", "empty; every item needs a code")
		}
		if prev, dup := seen[it.Code]; dup {
			return nil, bad("item_code", "%q is already defined on line %d", it.Code, prev)
		}
		seen[it.Code] = line
		if it.Name == "" {
			return nil, bad("name", "empty; every item needs a name")
		}
		for _, d := range []struct {
			col string
			dst **time.Time
		}{{"instant_since", &it.InstantSince}, {"active_from", &it.ActiveFrom}, {"active_to", &it.ActiveTo}} {
			v := get(d.col)
			if v == "" {
				continue
			}
			t, err := parseDate(v)
			if err != nil {
				return nil, bad(d.col, "%q is not a date like 2021-07-01 (empty = %s)", v, map[string]string{"instant_since": "not an instant item", "active_from": "open-ended", "active_to": "open-ended"}[d.col])
			}
			*d.dst = &t
		}
		for _, n := range []struct {
			col string
			dst *int
		}{{"promised_days", &it.PromisedDays}, {"statutory_days", &it.StatutoryDays}} {
			v := get(n.col)
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 {
				return nil, bad(n.col, "%q is not a whole number of working days >= 0", v)
			}
			*n.dst = x
		}
		if it.ActiveFrom != nil && it.ActiveTo != nil && it.ActiveTo.Before(*it.ActiveFrom) {
			return nil, bad("active_to", "%s is before active_from %s", it.ActiveTo.Format("2006-01-02"), it.ActiveFrom.Format("2006-01-02"))
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("items %s: no items; the catalogue needs at least one row", path)
	}
	return items, nil
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}

// LoadItems replaces the items table with the catalogue.
func LoadItems(ctx context.Context, q Querier, items []Item) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM items"); err != nil {
		return fmt.Errorf("items: %w", err)
	}
	for _, it := range items {
		if _, err := q.ExecContext(ctx, "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)",
			it.Code, it.Name, it.InstantSince, it.PromisedDays, it.StatutoryDays, it.ActiveFrom, it.ActiveTo); err != nil {
			return fmt.Errorf("items %s: %w", it.Code, err)
		}
	}
	return nil
}
