package reports

import (
	"strings"

	"github.com/caseload/caseload/reports/figures"
)

// Labels: everything a writer prints that is not data, in Chinese and English. The
// definitions of the figures are not here: they come from the KPI SQL header comments
// (kpi.Definitions) and are never written twice; only short display names are.

// Lang is the language of a report: LangZH (default) or LangEN.
type Lang string

// Languages.
const (
	LangZH Lang = "zh"
	LangEN Lang = "en"
)

// ParseLang accepts "zh" (or "") and "en".
func ParseLang(s string) (Lang, bool) {
	switch s {
	case "", "zh":
		return LangZH, true
	case "en":
		return LangEN, true
	}
	return "", false
}

// Kind is how a figure is measured and shown (figures.Unit): the reports' name for it.
type Kind = figures.Unit

// Kinds of figure.
const (
	KindCount   = figures.Count  // integer count: #,##0
	KindRatio   = figures.Ratio  // fraction in [0,1]: 0.0%
	KindHours   = figures.Hours  // hours: #,##0.0
	KindDecimal = figures.Mean   // mean: 0.00
	KindGrowth  = figures.Growth // growth fraction: +0.0%
)

// KindOf returns how a §5 figure (or a by_item one) is measured, and so shown: growth figures
// are told apart from other fractions because their comparisons are differences, not rates.
func KindOf(key string) Kind {
	switch {
	case key == "median_processing_hours":
		return KindHours
	case key == "avg_trips":
		return KindDecimal
	case strings.HasSuffix(key, "_growth"):
		return KindGrowth
	case strings.HasSuffix(key, "_ratio"), strings.HasSuffix(key, "_share"), strings.HasSuffix(key, "_rate"):
		return KindRatio
	}
	return KindCount
}

var channelLabels = map[string][2]string{
	"window":   {"窗口", "Service window"},
	"bundle":   {"打包办", "Bundled service"},
	"outreach": {"进园区/进社区", "Outreach"},
	"remote":   {"拍照回传/远程核验", "Remote verification"},
	"online":   {"网上办理", "Online"},
	"mail":     {"邮寄", "Mail"},
}

var reasonLabels = map[string][2]string{
	"missing_case_id":                   {"缺少办件编号", "case_id missing"},
	"missing_item_code":                 {"缺少事项编码", "item_code missing"},
	"unknown_item_code":                 {"事项编码不在事项目录中", "item_code not in the catalogue"},
	"missing_received_at":               {"缺少受理时间", "received_at missing"},
	"bad_received_at":                   {"受理时间无法识别", "received_at not a timestamp"},
	"bad_completed_at":                  {"办结时间无法识别", "completed_at not a timestamp"},
	"completed_before_received":         {"办结时间早于受理时间", "completed before received"},
	"final_status_without_completed_at": {"已办结/不予受理但无办结时间", "final status without completed_at"},
	"bad_status":                        {"办理状态无法识别", "status not recognised"},
	"bad_channel":                       {"办理渠道无法识别", "channel not recognised"},
	"bad_applicant_type":                {"申请人类型无法识别", "applicant_type not recognised"},
	"bad_trips":                         {"跑动次数不是非负整数", "trips not an integer ≥ 0"},
	"bad_backlog":                       {"历史疑难件标志无法识别", "backlog flag not recognised"},
	"bad_backlog_since":                 {"积案起始日期无法识别", "backlog_since not a date"},
	"received_in_future":                {"受理时间晚于拉取时间一天以上", "received more than a day after the pull"},
}

var statusLabels = map[string][2]string{
	"received": {"受理", "received"}, "in_progress": {"办理中", "in progress"}, "completed": {"办结", "completed"},
	"rejected": {"不予受理/不予许可", "rejected"}, "withdrawn": {"撤回", "withdrawn"},
}

var applicantLabels = map[string][2]string{
	"overseas_chinese": {"华侨", "overseas Chinese"}, "returned": {"归侨", "returned overseas Chinese"},
	"relative": {"侨眷", "relative"}, "other": {"其他", "other"},
}

func pick(m map[string][2]string, key string, l Lang) string {
	v, ok := m[key]
	if !ok {
		return key
	}
	if l == LangEN {
		return v[1]
	}
	return v[0]
}

// text is a fixed label in both languages.
type text struct{ zh, en string }

func (t text) in(l Lang) string {
	if l == LangEN {
		return t.en
	}
	return t.zh
}

// Fixed labels of the writers.
var (
	tReportTitle   = text{"涉侨审批业务统计报告", "Approval case report"}
	tPeriod        = text{"统计期间", "Period"}
	tGenerated     = text{"生成时间", "Generated"}
	tFingerprint   = text{"数据指纹", "Data fingerprint"}
	tSheetSummary  = text{"汇总", "Summary"}
	tSheetItems    = text{"分事项", "By item"}
	tSheetMonthly  = text{"月度趋势", "Monthly trend"}
	tSheetChannels = text{"办理渠道", "Channels"}
	tSheetBacklog  = text{"积案化解", "Backlog"}
	tSheetQuality  = text{"数据质量", "Data quality"}
	tSheetDefs     = text{"指标说明", "Definitions"}
	tSheetDetails  = text{"办件明细", "Case details"}

	tIndicator  = text{"指标", "Indicator"}
	tCurrent    = text{"本期", "This period"}
	tLastYear   = text{"上年同期", "Same period last year"}
	tYoY        = text{"同比", "Year on year"}
	tPrevious   = text{"上期", "Previous period"}
	tMoM        = text{"环比", "On previous period"}
	tDefinition = text{"口径说明", "Definition"}

	tItemCode     = text{"事项编码", "Item code"}
	tItemName     = text{"事项名称", "Item"}
	tInstant      = text{"即办件", "Instant"}
	tReceived     = text{"受理量", "Received"}
	tCompleted    = text{"办结量", "Completed"}
	tRejected     = text{"不予受理/许可", "Rejected"}
	tPendingEnd   = text{"期末在办", "Pending at end"}
	tSameDay      = text{"当日办结率", "Same-day ratio"}
	tOnTime       = text{"承诺时限内办结率", "On-time ratio"}
	tMedianHours  = text{"办理时长中位数（小时）", "Median hours"}
	tReceivedLY   = text{"上年同期受理量", "Received, same period last year"}
	tReceivedYoY  = text{"受理量同比", "Received, year on year"}
	tTotal        = text{"合计", "Total"}
	tYes          = text{"是", "yes"}
	tNo           = text{"否", "no"}
	tMonth        = text{"月份", "Month"}
	tChannel      = text{"办理渠道", "Channel"}
	tShare        = text{"占比", "Share"}
	tSinceYear    = text{"积案起始年份", "Backlog since (year)"}
	tBacklogTotal = text{"历史疑难件", "Backlog cases"}
	tResolved     = text{"已化解", "Resolved"}
	tOver10y      = text{"其中积压十年以上", "Of which pending over 10 years"}
	tRate         = text{"化解率", "Resolution rate"}

	tFiles            = text{"已拉取文件", "Files pulled"}
	tFile             = text{"文件", "File"}
	tPulledAt         = text{"拉取时间", "Pulled at"}
	tFormat           = text{"格式", "Format"}
	tRowsRead         = text{"读取行数", "Rows read"}
	tAccepted         = text{"接收", "Accepted"}
	tSuperseded       = text{"被新版本覆盖", "Superseded"}
	tRejectedRows     = text{"拒收", "Rejected"}
	tUnrecognised     = text{"国家无法识别", "Unrecognised country"}
	tRejectReasons    = text{"拒收原因", "Rejects by reason"}
	tReason           = text{"原因代码", "Reason code"}
	tReasonText       = text{"拒收原因", "Reason"}
	tRejectRowsList   = text{"拒收行明细", "Rejected rows"}
	tRejectRowsCapped = text{"共 %s 行被拒收，以下列出按拉取顺序的前 %s 行；全部拒收行可在 rejects 视图中查询。", "%s rows were rejected; the first %s in pull order are listed (all of them: the rejects view)."}
	tLine             = text{"行号", "Line"}
	tCaseID           = text{"办件编号", "Case ID"}
	tUnit             = text{"计量单位", "Unit"}
	tNoPrevious       = text{"无（年初至今的期间与上期重叠，不作环比）", "none (year-to-date periods overlap their predecessor)"}
	tDiscontinued     = text{"（已停办）", " (discontinued)"}
	tRows             = text{"行数", "Rows"}
	tCountryValues    = text{"无法识别的国家值（办件保留，国家记为空）", "Unrecognised country values (cases kept, country left empty)"}
	tRawValue         = text{"原始值", "Value as written"}
	tCases            = text{"办件数", "Cases"}
	tOverview         = text{"概况", "Overview"}
	tFirstDay         = text{"起始日期", "First day"}
	tLastDay          = text{"截止日期", "Last day"}
	tAcceptedCases    = text{"已接收办件（全库）", "Accepted cases (warehouse)"}
	tRejectRowsAll    = text{"拒收行（全库）", "Rejected rows (warehouse)"}
	tLastPull         = text{"最近一次拉取", "Last pull"}
	tNone             = text{"无", "none"}
	tKey              = text{"指标代码", "Key"}
	tName             = text{"指标名称", "Name"}
	tDefZH            = text{"口径（中文）", "Definition (Chinese)"}
	tDefEN            = text{"口径（英文）", "Definition (English)"}
	tSource           = text{"来源", "Source"}
	tPage             = text{"第 &P 页，共 &N 页", "Page &P of &N"}
	tTruncatedCountry = text{"仅列出办件数最多的前若干个值", "only the most frequent values are listed"}
)
