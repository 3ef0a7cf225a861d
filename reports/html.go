package reports

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/figures"
)

//go:embed report.html.tmpl
var htmlTemplateText string

// Texts of the HTML report.
var (
	hHeadline    = text{"主要指标", "Headline figures"}
	hTrend       = text{"近13个月受理与办结", "Received and completed, last 13 months"}
	hItems       = text{"分事项情况", "By item"}
	hChannels    = text{"办理渠道", "Channels"}
	hBacklog     = text{"积案化解", "Historical backlog"}
	hBrief       = text{"新闻稿素材", "News-brief draft"}
	hBriefNote   = text{"以下文字由统计数据自动生成，可直接复制使用；每句的数据来源见“数据来源”。", "Generated from the figures; each sentence's source is listed under \"Sources\"."}
	hSources     = text{"数据来源", "Sources"}
	hSentence    = text{"句子", "Sentence"}
	hKeys        = text{"指标", "Figures"}
	hBase        = text{"对比期", "Compared with"}
	hDefs        = text{"指标口径", "Definitions"}
	hData        = text{"数据说明", "About the data"}
	hNoBacklog   = text{"本期无历史疑难件。", "No backlog cases."}
	hDataQuality = text{"数据质量", "Data quality"}
	hYoYShort    = text{"同比", "YoY"}
	hMoMShort    = text{"环比", "vs prev."}
	hComparisons = text{"对比期间", "Compared with"}
	hPage        = text{`"第 " counter(page) " 页，共 " counter(pages) " 页"`, `"Page " counter(page) " of " counter(pages)`}
)

type htmlDelta struct {
	Label string // 同比 / 环比
	Arrow string // ▲ ▼ ▬
	Class string // up / down / flat
	Text  string // +5.2% / -1.3个百分点 / 持平
}

type htmlCard struct {
	Name   string
	Tip    string // the figure's definition, in the report's language
	Value  string
	Unit   string // 宗, 项, 个 ("" for percentages)
	Deltas []htmlDelta
}

type htmlCell struct {
	Text  string
	HTML  template.HTML // instead of Text: an identifier with <wbr> break points (breakable)
	Num   bool
	Class string
}

// labeledCell is a cell with its column's label (shown beside the value when a phone stacks
// the table's rows).
type labeledCell struct {
	htmlCell
	Label string
}

func cellOf(head []string, i int, c htmlCell) labeledCell {
	l := labeledCell{htmlCell: c}
	if i < len(head) {
		l.Label = head[i]
	}
	return l
}

type htmlTable struct {
	Head []string
	Rows [][]htmlCell
	Foot []htmlCell
}

type htmlSentence struct {
	Text         string
	Keys         template.HTML
	Period, Base template.HTML
}

type htmlPara struct {
	Title     string
	List      bool
	Text      string
	Sentences []htmlSentence
}

type htmlChart struct {
	Wide, Narrow template.HTML // drawing only, checked by finishSVG
}

type htmlPage struct {
	Lang, Title, Office, PeriodLabel, PeriodRange, Generated, Comparisons string
	Fingerprint                                                           template.HTML
	PageCounter                                                           template.CSS
	H                                                                     map[string]string
	Cards                                                                 []htmlCard
	Trend, ChannelsChart                                                  *htmlChart
	Items, Channels, Backlog, Defs, Files, Rejects, Countries             htmlTable
	BacklogText                                                           string
	Brief                                                                 []htmlPara
	DataFacts                                                             []htmlFact
	CountriesTruncated                                                    string
}

type htmlFact struct {
	Label string
	Value template.HTML
}

// headline cards: the figures a news brief quotes.
var cardKeys = []string{"received", "completed", "completed_cumulative", "instant_items_ratio",
	"same_day_ratio", "on_time_ratio", "backlog_resolution_rate", "countries_cumulative"}

// WriteHTML writes the self-contained HTML report of SPEC §7.3 for m to w: inline CSS,
// inline SVG charts, no script, no URL, every data-derived text escaped by html/template.
func WriteHTML(ctx context.Context, w io.Writer, m *Model) error {
	tmpl, err := template.New("report").Funcs(template.FuncMap{"cellOf": cellOf}).Parse(htmlTemplateText)
	if err != nil {
		return fmt.Errorf("html: template: %w", err)
	}
	page, err := buildPage(ctx, m)
	if err != nil {
		return fmt.Errorf("html: %w", err)
	}
	if err := tmpl.Execute(w, page); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	return nil
}

// breakable escapes an identifier (a KPI key, a file path, a fingerprint) and lets it break
// only after "_", ".", "/", "[" and "]" (and every 16 characters of a long run without them),
// never inside a word: <wbr> is not copied with the text.
func breakable(s string) template.HTML {
	var b strings.Builder
	run := 0
	for _, r := range s {
		b.WriteString(template.HTMLEscapeString(string(r)))
		run++
		if strings.ContainsRune("_./[]", r) || run == 16 {
			b.WriteString("<wbr>")
			run = 0
		}
	}
	return template.HTML(b.String())
}

// breakableList is a list of identifiers separated by ", ".
func breakableList(items []string) template.HTML {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = string(breakable(s))
	}
	return template.HTML(strings.Join(parts, ", "))
}

func buildPage(ctx context.Context, m *Model) (*htmlPage, error) {
	l := m.Lang
	f := &fmtr{l: l}
	pg := &htmlPage{
		Lang:        "zh-CN",
		Office:      m.Office,
		PeriodLabel: m.Period.ZhLabel(),
		PeriodRange: period.FormatDate(m.Period.First) + " — " + period.FormatDate(m.Period.Last),
		Generated:   m.GeneratedAt.Format("2006-01-02 15:04 MST"),
		Fingerprint: breakable(m.Current.Data.Fingerprint),
		PageCounter: template.CSS(hPage.in(l)),
		H:           map[string]string{},
	}
	if l == LangEN {
		pg.Lang = "en"
		pg.PeriodLabel = m.Period.EnLabel()
	}
	pg.Title = strings.TrimSpace(m.Office + " " + tReportTitle.in(l) + " · " + pg.PeriodLabel)
	pg.Comparisons = f.comparisons(m)
	for k, t := range map[string]text{
		"headline": hHeadline, "trend": hTrend, "items": hItems, "channels": hChannels, "backlog": hBacklog,
		"brief": hBrief, "briefNote": hBriefNote, "sources": hSources, "sentence": hSentence, "keys": hKeys,
		"base": hBase, "defs": hDefs, "data": hData, "period": tPeriod, "generated": tGenerated,
		"fingerprint": tFingerprint, "quality": hDataQuality, "files": tFiles, "rejects": tRejectReasons,
		"countries": tCountryValues, "report": tReportTitle, "colon": {"：", ": "}, "comparisons": hComparisons,
	} {
		pg.H[k] = t.in(l)
	}

	// headline cards
	rows := map[string]SummaryRow{}
	for _, r := range m.Summary {
		rows[r.Key] = r
	}
	natural := figures.NaturalPrevious(m.Period)
	for _, k := range cardKeys {
		r, ok := rows[k]
		if !ok || r.Current == nil {
			continue
		}
		c := htmlCard{Name: r.Name, Tip: r.Definition, Value: f.kind(r.Current, r.Kind)}
		if r.Kind == KindCount {
			c.Unit = m.unitOf(k)
		}
		if d, ok := f.delta(hYoYShort.in(l), r.YoY, r.Kind); ok {
			c.Deltas = append(c.Deltas, d)
		}
		if d, ok := f.delta(hMoMShort.in(l), r.MoM, r.Kind); ok && natural { // 环比 only against a natural previous period
			c.Deltas = append(c.Deltas, d)
		}
		pg.Cards = append(pg.Cards, c)
	}

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fonts, err := loadChartFonts()
	if err != nil {
		return nil, err
	}
	// trend chart
	if len(m.Current.Monthly) > 0 {
		var months []string
		var rec, comp []float64
		for _, mr := range m.Current.Monthly {
			months = append(months, mr.Month)
			rec = append(rec, float64(mr.Received))
			comp = append(comp, float64(mr.Completed))
		}
		names := [2]string{tReceived.in(l), tCompleted.in(l)}
		pg.Trend = &htmlChart{}
		for _, c := range []struct {
			width int
			dst   *template.HTML
		}{{wideChart, &pg.Trend.Wide}, {narrowChart, &pg.Trend.Narrow}} {
			svg, err := trendSVG(fonts, c.width, months, rec, comp, names)
			if err != nil {
				return nil, err
			}
			*c.dst = template.HTML(svg) // drawing only, checked by finishSVG
		}
	}
	// channels
	if len(m.Current.ByChannel) > 0 {
		var labels []string
		var vals []float64
		pg.Channels.Head = []string{tChannel.in(l), tReceived.in(l), tShare.in(l)}
		var total int64
		for _, c := range m.Current.ByChannel {
			name := pick(channelLabels, c.Channel, l)
			labels = append(labels, name)
			vals = append(vals, float64(c.Received))
			pg.Channels.Rows = append(pg.Channels.Rows, []htmlCell{{Text: name}, f.count(c.Received), f.ratio(c.Share)})
			total += c.Received
		}
		pg.Channels.Foot = []htmlCell{{Text: tTotal.in(l)}, f.count(total), {}}
		// horizontal bars are drawn bottom-up: reverse so that the first channel is on top
		for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
			labels[i], labels[j] = labels[j], labels[i]
			vals[i], vals[j] = vals[j], vals[i]
		}
		pg.ChannelsChart = &htmlChart{}
		for _, c := range []struct {
			width int
			dst   *template.HTML
		}{{wideChart, &pg.ChannelsChart.Wide}, {narrowChart, &pg.ChannelsChart.Narrow}} {
			svg, err := barsSVG(fonts, c.width, labels, vals)
			if err != nil {
				return nil, err
			}
			*c.dst = template.HTML(svg) // drawing only, checked by finishSVG
		}
	}

	// items
	pg.Items.Head = []string{tItemCode.in(l), tItemName.in(l), tInstant.in(l), tReceived.in(l), tCompleted.in(l),
		tSameDay.in(l), tOnTime.in(l), tReceivedLY.in(l), tReceivedYoY.in(l)}
	var rec, comp, ly int64
	for _, it := range m.Current.ByItem {
		inst := tNo.in(l)
		if it.Instant {
			inst = tYes.in(l)
		}
		pg.Items.Rows = append(pg.Items.Rows, []htmlCell{{Text: it.ItemCode}, {Text: m.itemName(it), Class: "name"}, {Text: inst},
			f.count(it.Received), f.count(it.Completed), f.ratio(it.SameDayRatio), f.ratio(it.OnTimeRatio),
			f.count(it.ReceivedSamePeriodLastYear), f.growthCell(it.ReceivedYoYGrowth)})
		rec += it.Received
		comp += it.Completed
		ly += it.ReceivedSamePeriodLastYear
	}
	k := m.Current.KPIs
	pg.Items.Foot = []htmlCell{{Text: tTotal.in(l)}, {}, {}, f.count(rec), f.count(comp), f.ratio(k["same_day_ratio"]),
		f.ratio(k["on_time_ratio"]), f.count(ly), f.growthCell(k["received_yoy_growth"])}

	// backlog
	pg.Backlog.Head = []string{tSinceYear.in(l), tBacklogTotal.in(l), tResolved.in(l), tOver10y.in(l), tRate.in(l)}
	var bt, br, bo int64
	for _, b := range m.Current.Backlog {
		pg.Backlog.Rows = append(pg.Backlog.Rows, []htmlCell{{Text: fmt.Sprint(b.SinceYear)}, f.count(b.Total), f.count(b.Resolved),
			f.count(b.ResolvedOver10y), f.ratio(ratioOf(b.Resolved, b.Total))})
		bt += b.Total
		br += b.Resolved
		bo += b.ResolvedOver10y
	}
	if len(m.Current.Backlog) > 0 {
		pg.Backlog.Foot = []htmlCell{{Text: tTotal.in(l)}, f.count(bt), f.count(br), f.count(bo), f.ratio(ratioOf(br, bt))}
	} else {
		pg.BacklogText = hNoBacklog.in(l)
	}

	// news brief
	for _, p := range m.Brief {
		hp := htmlPara{Title: p.Title, List: p.List, Text: p.Text(string(l))}
		for _, s := range p.Sentences {
			hp.Sentences = append(hp.Sentences, htmlSentence{Text: s.Text, Keys: breakableList(s.Keys),
				Period: breakable(s.Period), Base: breakable(s.Base)})
		}
		pg.Brief = append(pg.Brief, hp)
	}

	// definitions
	pg.Defs.Head = []string{tName.in(l), tDefinition.in(l), tKey.in(l)}
	for _, d := range m.Definitions {
		def := d.ZH
		if l == LangEN {
			def = d.EN
		}
		pg.Defs.Rows = append(pg.Defs.Rows, []htmlCell{{Text: m.KPIName(d.Key), Class: "name"}, {Text: def}, {HTML: breakable(d.Key), Class: "key"}})
	}

	// data
	d := m.Current.Data
	esc := func(s string) template.HTML { return template.HTML(template.HTMLEscapeString(s)) }
	rangeText := pg.PeriodLabel + "（" + pg.PeriodRange + "）"
	if l == LangEN {
		rangeText = pg.PeriodLabel + " (" + pg.PeriodRange + ")"
	}
	pg.DataFacts = []htmlFact{
		{tPeriod.in(l), esc(rangeText)},
		{hComparisons.in(l), esc(pg.Comparisons)},
		{tFingerprint.in(l), pg.Fingerprint},
		{tGenerated.in(l), esc(pg.Generated)},
		{tAcceptedCases.in(l), esc(f.count(d.Cases).Text)},
		{tRejectRowsAll.in(l), esc(f.count(d.Rejects).Text)},
	}
	if d.LastPull != nil {
		pg.DataFacts = append(pg.DataFacts, htmlFact{tLastPull.in(l), esc(d.LastPull.In(m.GeneratedAt.Location()).Format("2006-01-02 15:04"))})
	}
	pg.Files.Head = []string{tFile.in(l), tPulledAt.in(l), tRowsRead.in(l), tAccepted.in(l), tSuperseded.in(l), tRejectedRows.in(l), tUnrecognised.in(l)}
	for _, fr := range m.Quality.Files {
		pg.Files.Rows = append(pg.Files.Rows, []htmlCell{{HTML: breakable(fr.Path), Class: "key"}, {Text: fr.PulledAt.In(m.GeneratedAt.Location()).Format("2006-01-02 15:04")},
			f.count(fr.RowsRead), f.count(fr.Accepted), f.count(fr.Superseded), f.count(fr.Rejected), f.count(fr.UnrecognisedCountry)})
	}
	pg.Rejects.Head = []string{tReasonText.in(l), tReason.in(l), tRows.in(l)}
	for _, r := range m.Quality.RejectReasons {
		pg.Rejects.Rows = append(pg.Rejects.Rows, []htmlCell{{Text: pick(reasonLabels, r.Reason, l)}, {HTML: breakable(r.Reason), Class: "key"}, f.count(r.Rows)})
	}
	pg.Countries.Head = []string{tRawValue.in(l), tCases.in(l)}
	for _, c := range m.Quality.UnrecognisedCountries {
		pg.Countries.Rows = append(pg.Countries.Rows, []htmlCell{{Text: c.Value}, f.count(c.Cases)})
	}
	if m.Quality.CountriesTruncated {
		pg.CountriesTruncated = tTruncatedCountry.in(l)
	}
	return pg, nil
}

func ratioOf(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := float64(a) / float64(b)
	return &v
}

// fmtr formats figures for the HTML page: every rule is reports/figures'.
type fmtr struct{ l Lang }

func (f *fmtr) lang() figures.Lang { return figures.LangOf(string(f.l)) }

// comparisons says which periods 同比 and 环比 compare with.
func (f *fmtr) comparisons(m *Model) string {
	label := func(p period.Period) string {
		if f.l == LangEN {
			return p.EnLabel() + " (" + period.FormatDate(p.First) + " — " + period.FormatDate(p.Last) + ")"
		}
		return p.ZhLabel() + "（" + period.FormatDate(p.First) + " — " + period.FormatDate(p.Last) + "）"
	}
	colon, sep := "：", "；"
	if f.l == LangEN {
		colon, sep = ": ", "; "
	}
	text := hYoYShort.in(f.l) + colon + label(m.SamePeriodLastYear())
	if prev, ok := m.PreviousPeriod(); ok && figures.NaturalPrevious(m.Period) {
		text += sep + hMoMShort.in(f.l) + colon + label(prev)
	}
	return text
}

func (f *fmtr) count(n int64) htmlCell { return htmlCell{Text: figures.Thousands(n), Num: true} }

func (f *fmtr) ratio(v *float64) htmlCell {
	return htmlCell{Text: figures.Value(figures.Ratio, v), Num: true}
}

func (f *fmtr) growthCell(v *float64) htmlCell {
	if v == nil {
		return htmlCell{Text: "—", Num: true}
	}
	d, text := figures.Delta(f.lang(), figures.Growth, *v)
	return htmlCell{Text: text, Num: true, Class: dirClass(d)}
}

func dirClass(d figures.Direction) string {
	switch d {
	case figures.Up:
		return "up"
	case figures.Down:
		return "down"
	}
	return "flat"
}

// kind formats a headline figure: counts in full with separators (a card is a table cell,
// not a sentence).
func (f *fmtr) kind(v *float64, k Kind) string { return figures.Value(k, v) }

// delta is a 同比/环比 badge: growth for amounts, percentage points for ratios.
func (f *fmtr) delta(label string, v *float64, k Kind) (htmlDelta, bool) {
	if v == nil {
		return htmlDelta{}, false
	}
	u := figures.Growth
	if k == KindRatio {
		u = figures.Points // v is in percentage points
	}
	dir, text := figures.Delta(f.lang(), u, *v)
	d := htmlDelta{Label: label, Class: dirClass(dir), Text: text}
	switch dir {
	case figures.Up:
		d.Arrow = "▲"
	case figures.Down:
		d.Arrow = "▼"
	default:
		d.Arrow = "▬"
	}
	return d, true
}
