// Package newsbrief drafts the 新闻稿素材 (news-brief material) of SPEC §7.3 from KPI results:
// short paragraphs in the register of Chinese official publicity ("截至2022年10月底，示范县侨办
// 2017年以来累计审批涉侨业务14,998宗"), or in English, that a publicity officer can paste
// unchanged. Every sentence carries the KPI keys and the period its figures come from, so an
// editor can trace each number back to its definition.
//
// How numbers are written is decided by reports/figures (one place for every output). The
// rules of the draft itself:
//
//   - One count word for cases throughout (Input.Unit, caseload.yaml reports.unit, default 宗).
//   - Every 累计 figure says where it starts: "2017年以来" (Input.Since: reports.since, or the
//     year of the first case); "已化解" (not 累计) for the backlog.
//   - Changes are phrased by their rounded value (同比增长x% / 同比下降x% / 与上年同期持平);
//     ratios change in 个百分点. A growth is quoted only on a base of at least MinBase cases:
//     below it the base count is given instead ("（上年同期6宗）"), never "+100%" from 1 to 2.
//     A null figure is left out with its clause, never written as 0.
//   - 环比 only where the preceding period is a natural one (figures.NaturalPrevious: a month,
//     quarter, half-year, a one-month range, a day range of at most a week) — never for ytd:
//     periods, years or long ranges.
//   - Tone: a ratio is linked by the neutral "为"; "达" only when it rose against the same
//     period last year ("即办率为33.3%" does not praise a weak figure).
//   - Structure: 总体情况, 便民服务 (instant items; timeliness; 打包办 count and share,
//     outreach and remote counts, each with 同比), 分事项 ("分事项看，…": the configured focus
//     items always, then up to MaxItems more items that grew by MinItemGrowth on a base of
//     MinBase, retired items marked "（已停办）"), 积案化解, 标题参考.
//   - Headline suggestions (标题参考) state their period, use natural round figures that never
//     exceed the figure (figures.Words.About / AboutGrowth: "近1.5万宗", "130余宗", "近两成",
//     "三成以上"), and are not built on a trivial base (counts of at least MinHeadlineCount,
//     growth on a base of at least MinBase).
package newsbrief

import (
	"fmt"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/figures"
)

// MinBase is the smallest base (cases in the comparison period) on which a growth rate is
// quoted: on a smaller base a percentage says little (2 → 5 cases is "+150%").
const MinBase = 20

// MinItemGrowth is the smallest rounded growth of a (non-focus) item worth a mention: 10.0%.
const MinItemGrowth = 0.1

// MaxItems is the most items quoted for growth besides the focus items.
const MaxItems = 3

// MinHeadlineCount is the smallest count a headline suggestion is built on.
const MinHeadlineCount = 10

// Sentence is one sentence of the draft and where its figures come from.
type Sentence struct {
	Text string `json:"text"`
	// Keys are the §5 KPI keys the sentence states; by-item figures are written
	// by_item[QB02].received_yoy_growth, by-channel ones by_channel[bundle].received.
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

// Input is what a draft is built from. Current is required. LastYear (the same period one
// year earlier) gives the bases of 同比 and the ratio changes; Previous (the preceding period)
// only names the 环比 base — the received growth figures are the KPI results' own.
type Input struct {
	Office   string
	Current  *kpi.Result
	LastYear *kpi.Result
	Previous *kpi.Result
	// Unit is the count word for cases (default figures.DefaultUnit).
	Unit string
	// Since is when 累计 figures start; zero: the draft says no start (and so no 累计 claim
	// beyond "截至…").
	Since figures.Since
	// FocusItems are item codes the draft always mentions, in order.
	FocusItems []string
}

// Build drafts the paragraphs in lang ("zh" or "en"; anything else is zh).
func Build(in Input, lang string) []Paragraph {
	if in.Current == nil {
		return nil
	}
	l := figures.LangOf(lang)
	b := &builder{in: in, r: in.Current, p: in.Current.Period, en: l == figures.EN, w: figures.Words{Lang: l, Unit: in.Unit}}
	var out []Paragraph
	for _, para := range []Paragraph{b.overview(), b.service(), b.items(), b.backlog(), b.headlines()} {
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
	w  figures.Words
}

// pick returns the text of the draft's language.
func (b *builder) pick(zh, en string) string {
	if b.en {
		return en
	}
	return zh
}

func (b *builder) v(key string) (float64, bool) {
	p := b.r.KPIs[key]
	if p == nil {
		return 0, false
	}
	return *p, true
}

// ly is a figure of the same period last year.
func (b *builder) ly(key string) (float64, bool) {
	if b.in.LastYear == nil || b.in.LastYear.KPIs[key] == nil {
		return 0, false
	}
	return *b.in.LastYear.KPIs[key], true
}

func (b *builder) sentence(text string, keys ...string) Sentence {
	return Sentence{Text: text, Keys: keys, Period: b.p.Label}
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
	return b.pick("", "the office")
}

// since is " since 2017" / "2017年以来" ("" when unknown).
func (b *builder) since() string {
	s := b.w.Since(b.in.Since)
	if s != "" && b.en {
		return " " + s
	}
	return s
}

// countChange phrases the change of a count against its value last year, as a suffix: a
// growth on a base of at least MinBase ("，同比增长5.2%"), below that the base itself
// ("（上年同期6宗）"); compared false when the base is 0 and nothing is said.
func (b *builder) countChange(cur, base int64) (text string, compared bool) {
	switch {
	case base >= MinBase:
		return b.pick("，", ", ") + b.w.Growth(figures.YoY, float64(cur-base)/float64(base)), true
	case base > 0:
		return b.pick("（上年同期"+b.w.Cases(base)+"）", " ("+b.w.Cases(base)+" in the same period last year)"), true
	}
	return "", false
}

// ratioClause is the verb and value of a ratio with its change in percentage points against
// last year: "为72.2%，同比下降6.7个百分点" / "达87.5%，同比提高12.5个百分点" ("was 72.2%, down …").
func (b *builder) ratioClause(key string, v float64) (text string, compared bool) {
	dir := figures.Flat
	change := ""
	if base, ok := b.ly(key); ok {
		pp := (v - base) * 100
		dir, _ = figures.Change(figures.Points, pp)
		change = b.w.Points(figures.YoY, pp)
		compared = true
	}
	text = b.w.Verb(dir) + b.pick("", " ") + b.w.Percent(v)
	if change != "" {
		text += b.pick("，", ", ") + change
	}
	return text, compared
}

func itemKey(it kpi.ItemRow, key string) string {
	return "by_item[" + it.ItemCode + "]." + key
}

// itemName is the item's name, marked "（已停办）" / " (discontinued)" when it is no longer
// offered on the period's last day.
func (b *builder) itemName(it kpi.ItemRow) string {
	if !it.Active {
		return it.ItemName + b.pick("（已停办）", " (discontinued)")
	}
	return it.ItemName
}

// channel returns the by_channel row of a channel.
func (b *builder) channel(name string) (kpi.ChannelRow, bool) {
	for _, c := range b.r.ByChannel {
		if c.Channel == name {
			return c, true
		}
	}
	return kpi.ChannelRow{}, false
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
