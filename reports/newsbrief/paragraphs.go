package newsbrief

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/reports/figures"
)

func (b *builder) overview() Paragraph {
	para := Paragraph{Title: b.pick("总体情况", "Overview")}
	if cc, ok := b.v("completed_cumulative"); ok {
		text := fmt.Sprintf("截至%s，%s%s累计审批涉侨业务%s。", b.asOf(), b.office(), b.since(), b.w.Cases(int64(cc)))
		if b.en {
			text = fmt.Sprintf("By %s, %s had approved %s%s.", b.asOf(), b.office(), b.w.Cases(int64(cc)), b.since())
		}
		para.Sentences = append(para.Sentences, b.sentence(text, "completed_cumulative"))
	}
	if rec, ok := b.v("received"); ok {
		keys := []string{"received"}
		var bases, clauses []string
		if g, ok := b.v("received_yoy_growth"); ok {
			if base, known := b.ly("received"); known && base < MinBase {
				// a percentage on a tiny base misleads: give the base
				clauses = append(clauses, b.pick("上年同期"+b.w.Cases(int64(base)), b.w.Cases(int64(base))+" in the same period last year"))
			} else {
				keys = append(keys, "received_yoy_growth")
				clauses = append(clauses, b.w.Growth(figures.YoY, g))
			}
			bases = append(bases, b.p.SameLastYear().Label)
		}
		if g, ok := b.v("received_mom_growth"); ok && figures.NaturalPrevious(b.p) {
			keys = append(keys, "received_mom_growth")
			if prev, ok := b.p.Previous(); ok {
				bases = append(bases, prev.Label)
			}
			clauses = append(clauses, b.w.Growth(figures.MoM, g))
		}
		comp, compOK := b.v("completed")
		var text string
		if b.en {
			text = fmt.Sprintf("In %s, it received %s", b.label(), b.w.Cases(int64(rec)))
			if len(clauses) > 0 {
				text += ", " + strings.Join(clauses, " and ")
			}
			if compOK {
				text += fmt.Sprintf(", and completed %s", b.w.Num(int64(comp)))
				keys = append(keys, "completed")
			}
			text += "."
		} else {
			text = fmt.Sprintf("%s，共受理涉侨业务%s", b.label(), b.w.Cases(int64(rec)))
			for _, c := range clauses {
				text += "，" + c
			}
			if compOK {
				text += "；办结" + b.w.Cases(int64(comp))
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
		var parts, keys []string
		if okC && c > 0 {
			keys = append(keys, "countries")
			parts = append(parts, b.pick(
				fmt.Sprintf("%s受理的业务涉及%s个侨居国家和地区", b.label(), b.w.Num(int64(c))),
				fmt.Sprintf("applicants in %s came from %s countries and regions", b.label(), b.w.Num(int64(c)))))
		}
		if okCC && cc > 0 {
			keys = append(keys, "countries_cumulative")
			start := b.since() // "2017年以来累计涉及…", or "截至10月底累计涉及…" when the start is unknown
			if start == "" {
				start = b.pick("截至"+b.asOf(), " by "+b.asOf())
			}
			parts = append(parts, b.pick(
				fmt.Sprintf("%s累计涉及%s个国家和地区", start, b.w.Num(int64(cc))),
				fmt.Sprintf("%s in total%s", b.w.Num(int64(cc)), start)))
		}
		text := strings.Join(parts, "，") + "。"
		if b.en {
			text = upperFirst(strings.Join(parts, "; ")) + "."
		}
		para.Sentences = append(para.Sentences, b.sentence(text, keys...))
	}
	return para
}

func (b *builder) service() Paragraph {
	para := Paragraph{Title: b.pick("便民服务", "Service")}
	ratio, okR := b.v("instant_items_ratio")
	inst, _ := b.v("instant_items")
	act, _ := b.v("active_items")
	if okR && inst > 0 {
		clause, compared := b.ratioClause("instant_items_ratio", ratio)
		text := fmt.Sprintf("截至%s，全部%s项审批事项中即办件事项%s项，即办率%s。",
			b.asOf(), b.w.Num(int64(act)), b.w.Num(int64(inst)), clause)
		if b.en {
			text = fmt.Sprintf("By %s, %s of the %s approval items %s instant (即办件): the instant ratio %s.",
				b.asOf(), b.w.Num(int64(inst)), b.w.Num(int64(act)), plural(int64(inst), "was", "were"), clause)
		}
		s := b.sentence(text, "active_items", "instant_items", "instant_items_ratio")
		if compared {
			s.Base = b.p.SameLastYear().Label
		}
		para.Sentences = append(para.Sentences, s)
	}
	var keys, parts []string
	compared := false
	for _, k := range []struct{ key, zh, en string }{
		{"same_day_ratio", "当日办结率", "the same-day ratio"},
		{"on_time_ratio", "承诺时限内办结率", "the on-time ratio (within the promised limit)"},
	} {
		v, ok := b.v(k.key)
		if !ok {
			continue
		}
		clause, c := b.ratioClause(k.key, v)
		compared = compared || c
		keys = append(keys, k.key)
		parts = append(parts, b.pick(k.zh+clause, k.en+" "+clause))
	}
	if len(parts) > 0 {
		text := fmt.Sprintf("%s办结的业务中，%s。", b.label(), strings.Join(parts, "；"))
		if b.en {
			text = fmt.Sprintf("Of the cases completed in %s, %s.", b.label(), strings.Join(parts, "; "))
		}
		s := b.sentence(text, keys...)
		if compared {
			s.Base = b.p.SameLastYear().Label
		}
		para.Sentences = append(para.Sentences, s)
	}
	if s, ok := b.channels(); ok {
		para.Sentences = append(para.Sentences, s)
	}
	return para
}

// channels is the sentence on the bundled service (count and share), outreach and remote
// verification (counts with 同比) and trips per case.
func (b *builder) channels() (Sentence, bool) {
	var keys, parts []string
	compared := false
	lyCount := func(key string) (int64, bool) {
		v, ok := b.ly(key)
		return int64(v), ok
	}
	if ch, ok := b.channel("bundle"); ok && ch.Received > 0 {
		keys = append(keys, "by_channel[bundle].received")
		text := b.pick("通过“打包办”一窗受理业务"+b.w.Cases(ch.Received), b.w.Cases(ch.Received)+" were received through the bundled “one window, one trip” service")
		if share, ok := b.v("bundle_share"); ok {
			keys = append(keys, "bundle_share")
			text += b.pick("，占受理总量的"+b.w.Percent(share), " ("+b.w.Percent(share)+" of all)")
		}
		if b.in.LastYear != nil {
			for _, c := range b.in.LastYear.ByChannel {
				if c.Channel == "bundle" {
					change, c := b.countChange(ch.Received, c.Received)
					text += change
					compared = compared || c
				}
			}
		}
		parts = append(parts, text)
	}
	for _, k := range []struct{ key, zh, en string }{
		{"outreach_cases", "进园区、进社区等上门服务办件", "outreach days in industrial parks and communities handled "},
		{"remote_cases", "通过拍照回传远程核验办件", "remote verification by photo handled "},
	} {
		v, ok := b.v(k.key)
		if !ok || v <= 0 {
			continue
		}
		keys = append(keys, k.key)
		text := b.pick(k.zh, k.en) + b.w.Cases(int64(v))
		if base, ok := lyCount(k.key); ok {
			change, c := b.countChange(int64(v), base)
			text += change
			compared = compared || c
		}
		parts = append(parts, text)
	}
	if v, ok := b.v("avg_trips"); ok {
		keys = append(keys, "avg_trips")
		t := figures.Fixed(v, 2)
		parts = append(parts, b.pick("群众办事平均跑动"+t+"次", "applicants made "+t+" trips per case on average"))
	}
	if len(parts) == 0 {
		return Sentence{}, false
	}
	text := fmt.Sprintf("%s，%s。", b.label(), strings.Join(parts, "；"))
	if b.en {
		text = fmt.Sprintf("In %s, %s.", b.label(), strings.Join(parts, "; "))
	}
	s := b.sentence(text, keys...)
	if compared {
		s.Base = b.p.SameLastYear().Label
	}
	return s, true
}

// rising are the items whose received_yoy_growth rounds to at least MinItemGrowth on a base
// of at least MinBase, largest first.
func (b *builder) rising() []kpi.ItemRow {
	var out []kpi.ItemRow
	for _, it := range b.r.ByItem {
		if it.ReceivedYoYGrowth == nil || it.ReceivedSamePeriodLastYear < MinBase {
			continue
		}
		if figures.Round(figures.Growth, *it.ReceivedYoYGrowth) < MinItemGrowth {
			continue
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool { return *out[i].ReceivedYoYGrowth > *out[j].ReceivedYoYGrowth })
	return out
}

// quotedItems are the focus items (always, in their order) and then up to MaxItems rising items.
func (b *builder) quotedItems() []kpi.ItemRow {
	var out []kpi.ItemRow
	for _, code := range b.in.FocusItems {
		if it, ok := b.r.ItemByCode(code); ok {
			out = append(out, it)
		}
	}
	n := 0
	for _, it := range b.rising() {
		if n == MaxItems {
			break
		}
		if slices.ContainsFunc(out, func(o kpi.ItemRow) bool { return o.ItemCode == it.ItemCode }) {
			continue
		}
		out = append(out, it)
		n++
	}
	return out
}

// items is the 分事项 paragraph: "分事项看，“三侨生”身份认定受理187宗，同比增长31.7%；…。"
func (b *builder) items() Paragraph {
	para := Paragraph{Title: b.pick("分事项", "By item")}
	items := b.quotedItems()
	if len(items) == 0 {
		return para
	}
	var keys, parts []string
	compared := false
	for _, it := range items {
		keys = append(keys, itemKey(it, "received"))
		text := b.pick(b.itemName(it)+"受理"+b.w.Cases(it.Received), b.itemName(it)+" received "+b.w.Cases(it.Received))
		switch {
		case it.ReceivedYoYGrowth != nil && it.ReceivedSamePeriodLastYear >= MinBase:
			keys = append(keys, itemKey(it, "received_yoy_growth"))
			text += b.pick("，", ", ") + b.w.Growth(figures.YoY, *it.ReceivedYoYGrowth)
			compared = true
		case it.ReceivedSamePeriodLastYear > 0:
			keys = append(keys, itemKey(it, "received_same_period_last_year"))
			text += b.pick("（上年同期"+b.w.Cases(it.ReceivedSamePeriodLastYear)+"）",
				" ("+b.w.Cases(it.ReceivedSamePeriodLastYear)+" in the same period last year)")
			compared = true
		}
		parts = append(parts, text)
	}
	text := "分事项看，" + strings.Join(parts, "；") + "。"
	if b.en {
		text = "By item, " + strings.Join(parts, "; ") + "."
	}
	s := b.sentence(text, keys...)
	if compared {
		s.Base = b.p.SameLastYear().Label
	}
	para.Sentences = append(para.Sentences, s)
	return para
}

func (b *builder) backlog() Paragraph {
	para := Paragraph{Title: b.pick("积案化解", "Historical backlog")}
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
		text = fmt.Sprintf("By %s, %s difficult historical backlog %s been resolved", b.asOf(), b.w.Num(int64(res)),
			plural(int64(res), "case had", "cases had"))
		if okOver && over > 0 {
			text += fmt.Sprintf(", %s of them pending for over ten years", b.w.Num(int64(over)))
			keys = append(keys, "backlog_resolved_over_10y")
		}
		if okRate {
			text += fmt.Sprintf(": a resolution rate of %s (of %s backlog cases)", b.w.Percent(rate), b.w.Num(int64(total)))
			keys = append(keys, "backlog_resolution_rate", "backlog_total")
		}
		text += "."
	} else {
		text = fmt.Sprintf("截至%s，已化解历史疑难件%s", b.asOf(), b.w.Cases(int64(res)))
		if okOver && over > 0 {
			text += "，其中积压十年以上的" + b.w.Cases(int64(over))
			keys = append(keys, "backlog_resolved_over_10y")
		}
		if okRate {
			text += fmt.Sprintf("，化解率为%s（历史疑难件共%s）", b.w.Percent(rate), b.w.Cases(int64(total)))
			keys = append(keys, "backlog_resolution_rate", "backlog_total")
		}
		text += "。"
	}
	para.Sentences = append(para.Sentences, b.sentence(text, keys...))
	return para
}

// plural picks the English singular or plural form for n.
func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
