package newsbrief

import (
	"fmt"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/reports/figures"
)

// headlines are short title suggestions. Each states its period, uses a natural round figure
// that never exceeds the figure, and is built on more than a trivial base.
func (b *builder) headlines() Paragraph {
	para := Paragraph{Title: b.pick("标题参考", "Headline suggestions"), List: true}
	add := func(s Sentence) { para.Sentences = append(para.Sentences, s) }
	if cc, ok := b.v("completed_cumulative"); ok && cc >= MinHeadlineCount {
		text := fmt.Sprintf("截至%s，%s累计审批涉侨业务%s", b.asOf(), b.since(), b.w.AboutCases(int64(cc)))
		if b.en {
			text = fmt.Sprintf("By %s: %s approved%s", b.asOf(), b.w.AboutCases(int64(cc)), b.since())
		}
		add(b.sentence(text, "completed_cumulative"))
	}
	inst, okI := b.v("instant_items")
	act, okA := b.v("active_items")
	if okI && okA && inst > 0 && act > 0 {
		text := fmt.Sprintf("截至%s，%s项审批事项中%s项实现即办", b.asOf(), b.w.Num(int64(act)), b.w.Num(int64(inst)))
		if b.en {
			text = fmt.Sprintf("By %s: %s of %s approval items %s instant", b.asOf(), b.w.Num(int64(inst)), b.w.Num(int64(act)),
				plural(int64(inst), "is", "are"))
		}
		add(b.sentence(text, "instant_items", "active_items"))
	}
	if it, ok := b.headlineItem(); ok {
		g, _ := b.w.AboutGrowth(*it.ReceivedYoYGrowth)
		text := fmt.Sprintf("%s%s受理量同比增长%s", b.label(), b.itemName(it), g)
		if b.en {
			text = fmt.Sprintf("%s: %s applications up %s year on year", b.label(), b.itemName(it), g)
		}
		s := b.sentence(text, itemKey(it, "received_yoy_growth"))
		s.Base = b.p.SameLastYear().Label
		add(s)
	}
	if share, ok := b.v("bundle_share"); ok {
		rec, _ := b.v("received")
		if g, round := b.w.AboutGrowth(share); round && rec >= MinBase {
			text := fmt.Sprintf("%s%s业务通过“打包办”一窗受理", b.label(), g)
			if b.en {
				text = fmt.Sprintf("%s: %s of cases handled through the bundled “one window, one trip” service", b.label(), g)
			}
			add(b.sentence(text, "bundle_share"))
		}
	}
	if res, ok := b.v("backlog_resolved"); ok && res >= MinHeadlineCount {
		keys := []string{"backlog_resolved"}
		text := fmt.Sprintf("截至%s已化解历史疑难件%s", b.asOf(), b.w.AboutCases(int64(res)))
		if b.en {
			text = fmt.Sprintf("By %s: %s difficult backlog cases resolved", b.asOf(), b.w.About(int64(res)))
		}
		if over, ok := b.v("backlog_resolved_over_10y"); ok && over > 0 {
			keys = append(keys, "backlog_resolved_over_10y")
			n := b.w.Num(int64(over))
			if over >= MinHeadlineCount {
				n = b.w.About(int64(over))
			}
			text += b.pick("，其中积压十年以上的"+n+b.w.CaseWord(), ", "+n+" of them over ten years old")
		}
		add(b.sentence(text, keys...))
	}
	return para
}

// headlineItem is the item a growth headline is about: the first focus item, else the
// fastest-growing item, whose growth rounds to at least MinItemGrowth on a base of at least
// MinBase and whose count is at least MinHeadlineCount.
func (b *builder) headlineItem() (kpi.ItemRow, bool) {
	ok := func(it kpi.ItemRow) bool {
		return it.ReceivedYoYGrowth != nil && it.ReceivedSamePeriodLastYear >= MinBase && it.Received >= MinHeadlineCount &&
			figures.Round(figures.Growth, *it.ReceivedYoYGrowth) >= MinItemGrowth
	}
	for _, code := range b.in.FocusItems {
		if it, found := b.r.ItemByCode(code); found && ok(it) {
			return it, true
		}
	}
	for _, it := range b.rising() {
		if ok(it) {
			return it, true
		}
	}
	return kpi.ItemRow{}, false
}
