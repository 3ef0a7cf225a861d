// Package newsbrief drafts the 新闻稿素材 (news-brief material) of SPEC §7.3 from KPI results:
// short paragraphs in the register of Chinese official publicity ("截至2022年10月底，累计审批
// 涉侨业务14,998宗"), or in English. Every sentence carries the KPI keys and the period its
// figures come from, so an editor can trace each number back to its definition.
//
// Rules (see format.go for number style): changes are phrased by their rounded value —
// 同比增长x% / 同比下降x% / 与上年同期持平 (rounded 0.0%); a change with no base (base 0 or not
// computed, i.e. a null growth) is left out, never written as 0 or as infinite growth; a
// figure that is null is left out with its clause; threshold claims ("30%以上", "40余宗")
// round down so that they are never more than the figure supports.
package newsbrief

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
)

// MinItemBase is the smallest same-period-last-year count for which an item's growth is
// quoted: on a small base a percentage says little (2 → 5 cases is "+150%").
const MinItemBase = 20

// MinItemGrowth is the smallest rounded growth of an item worth a sentence (10.0%).
const MinItemGrowth = 0.1

// MaxItems is the most items quoted for growth.
const MaxItems = 3

// Sentence is one sentence of the draft and where its figures come from.
type Sentence struct {
	Text string `json:"text"`
	// Keys are the §5 KPI keys the sentence states; by-item figures are written
	// by_item[QB02].received_yoy_growth.
	Keys []string `json:"keys"`
	// Period is the canonical label of the period the figures are for ("2022-10").
	Period string `json:"period"`
	// Base is the label of the comparison period(s) when the sentence compares, e.g. "2021-10".
	Base string `json:"base,omitempty"`
}

// Paragraph is a titled group of sentences. A List paragraph is a set of separate short
// lines (headline suggestions), not running text.
type Paragraph struct {
	Title     string     `json:"title"`
	List      bool       `json:"list,omitempty"`
	Sentences []Sentence `json:"sentences"`
}

// Text is the paragraph as running text (Chinese sentences joined without spaces, English
// with one); a List paragraph joins its lines with "；" / "; ".
func (p Paragraph) Text(lang string) string {
	var parts []string
	for _, s := range p.Sentences {
		parts = append(parts, s.Text)
	}
	switch {
	case p.List && lang == "en":
		return strings.Join(parts, "; ")
	case p.List:
		return strings.Join(parts, "；")
	case lang == "en":
		return strings.Join(parts, " ")
	}
	return strings.Join(parts, "")
}

// Input is what a draft is built from. Current is required; LastYear (same period one year
// earlier) and Previous (preceding period) are optional and only name the comparison bases —
// the growth figures themselves are the KPI results' received_yoy_growth/_mom_growth.
type Input struct {
	Office   string
	Current  *kpi.Result
	LastYear *kpi.Result
	Previous *kpi.Result
}

// Build drafts the paragraphs in lang ("zh" or "en"; anything else is zh).
func Build(in Input, lang string) []Paragraph {
	if in.Current == nil {
		return nil
	}
	b := &builder{in: in, r: in.Current, p: in.Current.Period, en: lang == "en"}
	var out []Paragraph
	for _, para := range []Paragraph{b.overview(), b.service(), b.backlog(), b.headlines()} {
		if len(para.Sentences) > 0 {
			out = append(out, para)
		}
	}
	return out
}

type builder struct {
	in Input
	r  *kpi.Result
	p  period.Period
	en bool
}

func (b *builder) v(key string) (float64, bool) {
	p := b.r.KPIs[key]
	if p == nil {
		return 0, false
	}
	return *p, true
}

func (b *builder) sentence(text string, keys ...string) Sentence {
	return Sentence{Text: text, Keys: keys, Period: b.p.Label}
}

func (b *builder) count(n int64) string {
	if b.en {
		return CountEN(n)
	}
	return CountZH(n)
}

func (b *builder) label() string {
	if b.en {
		return b.p.EnLabel()
	}
	return b.p.ZhLabel()
}

func isMonthEnd(d time.Time) bool { return d.AddDate(0, 0, 1).Day() == 1 }

// asOf is "2022年10月底" / "2022年11月17日" (zh), "the end of October 2022" / "17 November 2022" (en).
func (b *builder) asOf() string {
	d := b.p.Last
	if b.en {
		if isMonthEnd(d) {
			return "the end of " + d.Format("January 2006")
		}
		return d.Format("2 January 2006")
	}
	if isMonthEnd(d) {
		return fmt.Sprintf("%d年%d月底", d.Year(), int(d.Month()))
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}

func (b *builder) office() string {
	if b.in.Office != "" {
		return b.in.Office
	}
	if b.en {
		return "the office"
	}
	return ""
}

// growthZH phrases a change: "同比增长31.7%", "同比下降5.0%", flat → flatText.
func growthZH(g float64, prefix, flatText string) string {
	dir, n := Change(g)
	switch dir {
	case Up:
		return prefix + "增长" + n + "%"
	case Down:
		return prefix + "下降" + n + "%"
	}
	return flatText
}

// growthEN phrases a change: "up 31.7% year on year", "down 5.0% …", flat → "unchanged …".
func growthEN(g float64, suffix string) string {
	dir, n := Change(g)
	switch dir {
	case Up:
		return "up " + n + "% " + suffix
	case Down:
		return "down " + n + "% " + suffix
	}
	return "unchanged " + suffix
}

func (b *builder) overview() Paragraph {
	para := Paragraph{Title: "总体情况"}
	if b.en {
		para.Title = "Overview"
	}
	if cc, ok := b.v("completed_cumulative"); ok {
		if b.en {
			para.Sentences = append(para.Sentences, b.sentence(fmt.Sprintf(
				"By %s, %s had approved a cumulative total of %s cases.", b.asOf(), b.office(), b.count(int64(cc))),
				"completed_cumulative"))
		} else {
			para.Sentences = append(para.Sentences, b.sentence(fmt.Sprintf(
				"截至%s，%s累计审批涉侨业务%s宗。", b.asOf(), b.office(), b.count(int64(cc))),
				"completed_cumulative"))
		}
	}
	if rec, ok := b.v("received"); ok {
		keys := []string{"received"}
		var bases []string
		var clauses []string
		if g, ok := b.v("received_yoy_growth"); ok {
			keys = append(keys, "received_yoy_growth")
			bases = append(bases, b.p.SameLastYear().Label)
			if b.en {
				clauses = append(clauses, growthEN(g, "year on year"))
			} else {
				clauses = append(clauses, growthZH(g, "同比", "与上年同期持平"))
			}
		}
		if g, ok := b.v("received_mom_growth"); ok {
			keys = append(keys, "received_mom_growth")
			if prev, ok := b.p.Previous(); ok {
				bases = append(bases, prev.Label)
			}
			if b.en {
				clauses = append(clauses, growthEN(g, "on the previous period"))
			} else {
				clauses = append(clauses, growthZH(g, "环比", "环比持平"))
			}
		}
		var text string
		comp, compOK := b.v("completed")
		if b.en {
			text = fmt.Sprintf("In %s, it received %s cases", b.label(), b.count(int64(rec)))
			if len(clauses) > 0 {
				text += ", " + strings.Join(clauses, " and ")
			}
			if compOK {
				text += fmt.Sprintf(", and completed %s", b.count(int64(comp)))
				keys = append(keys, "completed")
			}
			text += "."
		} else {
			text = fmt.Sprintf("%s，共受理涉侨业务%s宗", b.label(), b.count(int64(rec)))
			for _, c := range clauses {
				text += "，" + c
			}
			if compOK {
				text += fmt.Sprintf("；办结%s宗", b.count(int64(comp)))
				keys = append(keys, "completed")
			}
			text += "。"
		}
		s := b.sentence(text, keys...)
		s.Base = strings.Join(bases, "; ")
		para.Sentences = append(para.Sentences, s)
	}
	c, okC := b.v("countries")
	cc, okCC := b.v("countries_cumulative")
	if (okC && c > 0) || (okCC && cc > 0) {
		var parts []string
		var keys []string
		if okC && c > 0 {
			keys = append(keys, "countries")
			if b.en {
				parts = append(parts, fmt.Sprintf("applicants in %s came from %s countries and regions", b.label(), b.count(int64(c))))
			} else {
				parts = append(parts, fmt.Sprintf("%s受理的业务涉及%s个侨居国家和地区", b.label(), b.count(int64(c))))
			}
		}
		if okCC && cc > 0 {
			keys = append(keys, "countries_cumulative")
			if b.en {
				parts = append(parts, fmt.Sprintf("%s in total by %s", b.count(int64(cc)), b.asOf()))
			} else {
				parts = append(parts, fmt.Sprintf("截至%s累计涉及%s个国家和地区", b.asOf(), b.count(int64(cc))))
			}
		}
		var text string
		if b.en {
			text = upperFirst(strings.Join(parts, "; ")) + "."
		} else {
			text = strings.Join(parts, "，") + "。"
		}
		para.Sentences = append(para.Sentences, b.sentence(text, keys...))
	}
	return para
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (b *builder) service() Paragraph {
	para := Paragraph{Title: "便民服务"}
	if b.en {
		para.Title = "Service"
	}
	ratio, okR := b.v("instant_items_ratio")
	inst, _ := b.v("instant_items")
	act, _ := b.v("active_items")
	if okR && inst > 0 {
		var text string
		if b.en {
			text = fmt.Sprintf("By %s, %s of the %s approval items were instant items (即办件), an instant ratio of %s.",
				b.asOf(), b.count(int64(inst)), b.count(int64(act)), Pct(ratio))
		} else {
			text = fmt.Sprintf("截至%s，全部%s项审批事项中即办件事项%s项，即办率达%s。",
				b.asOf(), b.count(int64(act)), b.count(int64(inst)), Pct(ratio))
		}
		para.Sentences = append(para.Sentences, b.sentence(text, "active_items", "instant_items", "instant_items_ratio"))
	}
	sd, okSD := b.v("same_day_ratio")
	ot, okOT := b.v("on_time_ratio")
	if okSD || okOT {
		var keys, parts []string
		if okSD {
			keys = append(keys, "same_day_ratio")
			if b.en {
				parts = append(parts, Pct(sd)+" were completed on the day they were received")
			} else {
				parts = append(parts, "当日办结率为"+Pct(sd))
			}
		}
		if okOT {
			keys = append(keys, "on_time_ratio")
			if b.en {
				parts = append(parts, Pct(ot)+" within the promised time limit")
			} else {
				parts = append(parts, "承诺时限内办结率为"+Pct(ot))
			}
		}
		var text string
		if b.en {
			text = fmt.Sprintf("Of the cases completed in %s, %s.", b.label(), strings.Join(parts, " and "))
		} else {
			text = fmt.Sprintf("%s办结的业务中，%s。", b.label(), strings.Join(parts, "，"))
		}
		para.Sentences = append(para.Sentences, b.sentence(text, keys...))
	}
	var keys, parts []string
	if v, ok := b.v("bundle_share"); ok && v > 0 {
		keys = append(keys, "bundle_share")
		if b.en {
			parts = append(parts, Pct(v)+" of cases were received through the bundled “one window, one trip” service")
		} else {
			parts = append(parts, "通过“打包办”一窗受理的业务占"+Pct(v))
		}
	}
	if v, ok := b.v("outreach_cases"); ok && v > 0 {
		keys = append(keys, "outreach_cases")
		if b.en {
			parts = append(parts, fmt.Sprintf("outreach days in industrial parks and communities handled %s cases", b.count(int64(v))))
		} else {
			parts = append(parts, fmt.Sprintf("进园区、进社区等上门服务办件%s宗", b.count(int64(v))))
		}
	}
	if v, ok := b.v("remote_cases"); ok && v > 0 {
		keys = append(keys, "remote_cases")
		if b.en {
			parts = append(parts, fmt.Sprintf("remote verification by photo handled %s", b.count(int64(v))))
		} else {
			parts = append(parts, fmt.Sprintf("通过拍照回传远程核验办件%s宗", b.count(int64(v))))
		}
	}
	if v, ok := b.v("avg_trips"); ok {
		keys = append(keys, "avg_trips")
		t := fmt.Sprintf("%.2f", v)
		if b.en {
			parts = append(parts, "applicants made "+t+" trips per case on average")
		} else {
			parts = append(parts, "群众办事平均跑动"+t+"次")
		}
	}
	if len(parts) > 0 {
		var text string
		if b.en {
			text = fmt.Sprintf("In %s, %s.", b.label(), strings.Join(parts, "; "))
		} else {
			text = fmt.Sprintf("%s，%s。", b.label(), strings.Join(parts, "，"))
		}
		para.Sentences = append(para.Sentences, b.sentence(text, keys...))
	}
	if items := b.risingItems(); len(items) > 0 {
		var keys, parts []string
		for _, it := range items {
			g := *it.ReceivedYoYGrowth
			keys = append(keys, itemKey(it, "received"), itemKey(it, "received_yoy_growth"))
			if b.en {
				parts = append(parts, fmt.Sprintf("%s received %s applications, %s", it.ItemName, b.count(it.Received), growthEN(g, "year on year")))
			} else {
				parts = append(parts, fmt.Sprintf("%s受理%s宗，%s", it.ItemName, b.count(it.Received), growthZH(g, "同比", "与上年同期持平")))
			}
		}
		var text string
		if b.en {
			text = "By item, " + strings.Join(parts, "; ") + "."
		} else {
			text = "其中，" + strings.Join(parts, "；") + "。"
		}
		s := b.sentence(text, keys...)
		s.Base = b.p.SameLastYear().Label
		para.Sentences = append(para.Sentences, s)
	}
	return para
}

func itemKey(it kpi.ItemRow, key string) string {
	return "by_item[" + it.ItemCode + "]." + key
}

// risingItems are the items whose received_yoy_growth is at least MinItemGrowth after
// rounding, on a base of at least MinItemBase, largest first, at most MaxItems.
func (b *builder) risingItems() []kpi.ItemRow {
	var out []kpi.ItemRow
	for _, it := range b.r.ByItem {
		if it.ReceivedYoYGrowth == nil || it.ReceivedSamePeriodLastYear < MinItemBase {
			continue
		}
		if dir, _ := Change(*it.ReceivedYoYGrowth); dir != Up || roundedPct(*it.ReceivedYoYGrowth) < MinItemGrowth*100 {
			continue
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool { return *out[i].ReceivedYoYGrowth > *out[j].ReceivedYoYGrowth })
	if len(out) > MaxItems {
		out = out[:MaxItems]
	}
	return out
}

func (b *builder) backlog() Paragraph {
	para := Paragraph{Title: "积案化解"}
	if b.en {
		para.Title = "Historical backlog"
	}
	total, _ := b.v("backlog_total")
	res, okRes := b.v("backlog_resolved")
	if total <= 0 || !okRes {
		return para
	}
	keys := []string{"backlog_resolved"}
	over, okOver := b.v("backlog_resolved_over_10y")
	rate, okRate := b.v("backlog_resolution_rate")
	var text string
	if b.en {
		text = fmt.Sprintf("By %s, %s difficult historical backlog cases had been resolved", b.asOf(), b.count(int64(res)))
		if okOver && over > 0 {
			text += fmt.Sprintf(", %s of them pending for over ten years", b.count(int64(over)))
			keys = append(keys, "backlog_resolved_over_10y")
		}
		if okRate {
			text += fmt.Sprintf(": a resolution rate of %s (of %s backlog cases)", Pct(rate), b.count(int64(total)))
			keys = append(keys, "backlog_resolution_rate", "backlog_total")
		}
		text += "."
	} else {
		text = fmt.Sprintf("截至%s，累计化解历史疑难件%s宗", b.asOf(), b.count(int64(res)))
		if okOver && over > 0 {
			text += fmt.Sprintf("，其中积压十年以上的%s宗", b.count(int64(over)))
			keys = append(keys, "backlog_resolved_over_10y")
		}
		if okRate {
			text += fmt.Sprintf("，化解率%s（历史疑难件共%s宗）", Pct(rate), b.count(int64(total)))
			keys = append(keys, "backlog_resolution_rate", "backlog_total")
		}
		text += "。"
	}
	para.Sentences = append(para.Sentences, b.sentence(text, keys...))
	return para
}

// headlines are short title suggestions; their threshold claims round down.
func (b *builder) headlines() Paragraph {
	para := Paragraph{Title: "标题参考", List: true}
	if b.en {
		para.Title = "Headline suggestions"
	}
	if cc, ok := b.v("completed_cumulative"); ok && cc > 0 {
		if b.en {
			para.Sentences = append(para.Sentences, b.sentence(b.count(int64(cc))+" cases approved in total", "completed_cumulative"))
		} else {
			para.Sentences = append(para.Sentences, b.sentence("累计审批涉侨业务"+b.count(int64(cc))+"宗", "completed_cumulative"))
		}
	}
	if r, ok := b.v("instant_items_ratio"); ok && r > 0 {
		if b.en {
			para.Sentences = append(para.Sentences, b.sentence("Instant ratio of "+Pct(r), "instant_items_ratio"))
		} else {
			para.Sentences = append(para.Sentences, b.sentence("即办率达"+Pct(r), "instant_items_ratio"))
		}
	}
	if items := b.risingItems(); len(items) > 0 {
		it := items[0]
		if tens, ok := AtLeastTens(*it.ReceivedYoYGrowth); ok {
			var text string
			if b.en {
				text = fmt.Sprintf("%s applications up over %d%% year on year", it.ItemName, tens)
			} else {
				text = fmt.Sprintf("%s受理量同比增长%d%%以上", it.ItemName, tens)
			}
			s := b.sentence(text, itemKey(it, "received_yoy_growth"))
			s.Base = b.p.SameLastYear().Label
			para.Sentences = append(para.Sentences, s)
		}
	}
	if res, ok := b.v("backlog_resolved"); ok && res > 0 {
		keys := []string{"backlog_resolved"}
		var text string
		if b.en {
			text = "Backlog: " + approxEN(int64(res)) + " difficult cases resolved"
		} else {
			text = "化解历史疑难件" + approxZH(int64(res)) + "宗"
		}
		if over, ok := b.v("backlog_resolved_over_10y"); ok && over > 0 {
			keys = append(keys, "backlog_resolved_over_10y")
			if b.en {
				text += ", " + approxEN(int64(over)) + " of them over ten years old"
			} else {
				text += "，其中积压十年以上的" + approxZH(int64(over)) + "宗"
			}
		}
		para.Sentences = append(para.Sentences, b.sentence(text, keys...))
	}
	return para
}

// approxZH is a round-down count: 42 → "40余", 40 → "40", 7 → "7".
func approxZH(n int64) string {
	f, more := AtLeastCount(n)
	if more {
		return CountZH(f) + "余"
	}
	return CountZH(f)
}

// approxEN is a round-down count: 42 → "40+", 40 → "40".
func approxEN(n int64) string {
	f, more := AtLeastCount(n)
	if more {
		return CountEN(f) + "+"
	}
	return CountEN(f)
}
