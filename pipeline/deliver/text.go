package deliver

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/caseload/caseload/pipeline/period"
)

// fileLine is a file as a message names it.
type fileLine struct {
	Name   string // the name the reader sees (attachment name or base name)
	Path   string // where it is on the caseload machine
	Format string
	Size   int64
}

// rendered is a message in words, before a kind lays it out (email text and HTML,
// markdown, JSON).
type rendered struct {
	Subject   string
	Intro     string
	Headlines []string
	Facts     [][2]string // alert/test key–value lines
	Attached  []fileLine  // files carried by the message (attachments, file messages)
	LeftOut   []fileLine  // files over the size limit, not carried
	Limit     int64       // the size limit the left-out files exceeded
	Files     []fileLine  // every file, with its location
	Footer    string
	en        bool
}

var statusZH = map[string]string{
	"failed": "失败", "timed_out": "超时", "interrupted": "中断", "missed": "错过", "succeeded": "成功",
	"canceled": "已取消", "skipped": "跳过", "running": "运行中",
}

// statusVerbZH is how a Chinese alert says what happened to a run.
var statusVerbZH = map[string]string{
	"failed": "运行失败", "timed_out": "运行超时", "interrupted": "运行中断", "missed": "未按计划运行",
}

var formatName = map[string][2]string{
	"xlsx": {"Excel工作簿", "Excel workbook"}, "html": {"HTML报告", "HTML report"},
	"pdf": {"PDF报告", "PDF report"}, "json": {"JSON数据", "JSON data"},
}

func periodName(p period.Period, en bool) string {
	if p.IsZero() {
		return ""
	}
	if en {
		return p.EnLabel()
	}
	return p.ZhLabel()
}

func periodRange(p period.Period, en bool) string {
	if en {
		return period.FormatDate(p.First) + " to " + period.FormatDate(p.Last)
	}
	return period.FormatDate(p.First) + "至" + period.FormatDate(p.Last)
}

func statusText(s string, en bool) string {
	if en {
		return strings.ReplaceAll(s, "_", " ")
	}
	if z, ok := statusZH[s]; ok {
		return z + "（" + s + "）"
	}
	return s
}

// render puts msg into words. delivery names the target (test messages say which one
// works); host names this machine.
func render(msg Message, delivery, kind, host string, opt Options) rendered {
	en := msg.en()
	r := rendered{en: en}
	pn := periodName(msg.Period, en)
	when := msg.Time.In(opt.Location).Format("2006-01-02 15:04 -07:00")
	if en {
		r.Footer = "Sent automatically by caseload on " + host + ". Please do not reply."
	} else {
		r.Footer = "本消息由 caseload 在主机 " + host + " 上自动发送，请勿直接回复。"
	}
	switch msg.Type {
	case TypeReport:
		if en {
			r.Subject = strings.TrimSpace(msg.Office + " report, " + pn)
			r.Intro = fmt.Sprintf("The %s report for %s (%s) is ready.", msg.Office, pn, periodRange(msg.Period, true))
			if len(msg.Headlines) > 0 {
				r.Intro += " The headline figures:"
			}
		} else {
			r.Subject = msg.Office + pn + "统计报表"
			r.Intro = fmt.Sprintf("%s%s（%s）统计报表已生成。", msg.Office, pn, periodRange(msg.Period, false))
			if len(msg.Headlines) > 0 {
				r.Intro += "主要数据如下："
			}
		}
		r.Headlines = msg.Headlines
	case TypeAlert, TypeRecovered:
		a := msg.Run
		if a == nil {
			a = &Run{}
		}
		if msg.Type == TypeAlert {
			if en {
				r.Subject = fmt.Sprintf("[caseload alert] %s %s: %s", a.Job, pn, statusText(a.Status, true))
				r.Intro = fmt.Sprintf("The run of job %s for %s ended %s.", a.Job, orText(pn, "(no period)"), statusText(a.Status, true))
			} else {
				verb := orText(statusVerbZH[a.Status], a.Status)
				r.Subject = fmt.Sprintf("【caseload告警】%s %s %s", a.Job, pn, verb)
				r.Intro = fmt.Sprintf("任务 %s（%s）%s，请检查。", a.Job, orText(pn, "无统计期间"), verb)
			}
		} else {
			if en {
				r.Subject = fmt.Sprintf("[caseload recovered] %s %s: succeeded again", a.Job, pn)
				r.Intro = fmt.Sprintf("Job %s succeeded again after a failed run.", a.Job)
			} else {
				r.Subject = fmt.Sprintf("【caseload恢复】%s %s 已恢复正常", a.Job, pn)
				r.Intro = fmt.Sprintf("任务 %s 在此前的失败之后已再次运行成功。", a.Job)
			}
		}
		r.Subject = strings.Join(strings.Fields(r.Subject), " ")
		lbl := func(zh, en string) string { return pick(en, zh, r.en) }
		r.Facts = append(r.Facts, [2]string{lbl("单位", "Office"), msg.Office}, [2]string{lbl("任务", "Job"), a.Job})
		if pn != "" {
			r.Facts = append(r.Facts, [2]string{lbl("统计期间", "Period"), pn + " (" + msg.Period.Label + ")"})
		}
		r.Facts = append(r.Facts, [2]string{lbl("状态", "Status"), statusText(a.Status, en)})
		if a.RunID != 0 {
			r.Facts = append(r.Facts, [2]string{lbl("运行编号", "Run"), fmt.Sprint(a.RunID)})
		}
		if a.Error != "" {
			r.Facts = append(r.Facts, [2]string{lbl("错误", "Error"), a.Error})
		}
		r.Facts = append(r.Facts, [2]string{lbl("时间", "Time"), when}, [2]string{lbl("主机", "Host"), host})
		if a.See != "" {
			r.Facts = append(r.Facts, [2]string{lbl("查看", "See"), a.See})
		}
	case TypeTest:
		if en {
			r.Subject = fmt.Sprintf("[caseload test] delivery %s of %s", delivery, msg.Office)
			r.Intro = fmt.Sprintf("This is a test message from caseload: the delivery %q (%s) works. No reply is needed.", delivery, kind)
		} else {
			r.Subject = fmt.Sprintf("【caseload测试】%s 投递“%s”", msg.Office, delivery)
			r.Intro = fmt.Sprintf("这是 caseload 发送的测试消息：投递“%s”（%s）配置正确、可以送达。无需回复。", delivery, kind)
		}
		r.Facts = [][2]string{{pick("Time", "时间", en), when}, {pick("Host", "主机", en), host}}
	}
	return r
}

func pick(en, zh string, isEN bool) string {
	if isEN {
		return en
	}
	return zh
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (r rendered) fileDesc(f fileLine) string {
	kind := formatName[f.Format][0]
	if r.en {
		kind = formatName[f.Format][1]
	}
	if kind == "" {
		return fmt.Sprintf("%s (%s)", f.Name, FormatSize(f.Size))
	}
	if r.en {
		return fmt.Sprintf("%s (%s, %s)", f.Name, kind, FormatSize(f.Size))
	}
	return fmt.Sprintf("%s（%s，%s）", f.Name, kind, FormatSize(f.Size))
}

func (r rendered) leftOutDesc(f fileLine) string {
	if r.en {
		return fmt.Sprintf("%s (%s) is larger than the %s limit and was not sent; it is at %s", f.Name, FormatSize(f.Size), FormatSize(r.Limit), f.Path)
	}
	return fmt.Sprintf("%s（%s）超过 %s 的上限，未随本消息发送，文件位于 %s", f.Name, FormatSize(f.Size), FormatSize(r.Limit), f.Path)
}

// plain is the text/plain body of an email.
func (r rendered) plain() string {
	var b strings.Builder
	b.WriteString(pick("Hello,\n\n", "您好！\n\n", r.en))
	b.WriteString(r.Intro + "\n")
	if len(r.Headlines) > 0 {
		b.WriteString("\n")
		for _, h := range r.Headlines {
			b.WriteString("  · " + h + "\n")
		}
	}
	if len(r.Facts) > 0 {
		b.WriteString("\n")
		for _, f := range r.Facts {
			b.WriteString(f[0] + pick(": ", "：", r.en) + f[1] + "\n")
		}
	}
	if len(r.Attached) > 0 {
		b.WriteString("\n" + pick(fmt.Sprintf("Attached (%d):\n", len(r.Attached)), fmt.Sprintf("附件（%d个）：\n", len(r.Attached)), r.en))
		for _, f := range r.Attached {
			b.WriteString("  · " + r.fileDesc(f) + "\n")
		}
	}
	if len(r.LeftOut) > 0 {
		b.WriteString("\n" + pick("Not attached:\n", "未附上的文件：\n", r.en))
		for _, f := range r.LeftOut {
			b.WriteString("  · " + r.leftOutDesc(f) + "\n")
		}
	}
	if len(r.Files) > 0 {
		b.WriteString("\n" + pick("The files on the caseload machine:\n", "文件位置（caseload 所在主机）：\n", r.en))
		for _, f := range r.Files {
			b.WriteString("  " + f.Path + "\n")
		}
	}
	b.WriteString("\n--\n" + r.Footer + "\n")
	return b.String()
}

// markdown is the robot message: headline figures, files and their location. It is cut
// to limit bytes at a rune boundary, with a note, when longer.
func (r rendered) markdown(limit int) string {
	var b strings.Builder
	b.WriteString("### " + r.Subject + "\n")
	if r.Intro != "" {
		b.WriteString(r.Intro + "\n")
	}
	for _, h := range r.Headlines {
		b.WriteString("> " + h + "\n")
	}
	for _, f := range r.Facts {
		b.WriteString("> " + f[0] + pick(": ", "：", r.en) + oneLine(f[1]) + "\n")
	}
	if len(r.Files) > 0 {
		b.WriteString("\n" + pick("**Files** (on the caseload machine):\n", "**文件**（caseload 所在主机）：\n", r.en))
		for _, f := range r.Files {
			b.WriteString("- " + f.Path + pick(" (", "（", r.en) + FormatSize(f.Size) + pick(")", "）", r.en) + "\n")
		}
	}
	for _, f := range r.LeftOut {
		b.WriteString("\n" + r.leftOutDesc(f) + "\n")
	}
	return truncateUTF8(b.String(), limit, pick("\n…(message cut: too long)", "\n……（内容过长，已截断）", r.en))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncateUTF8 returns s if it fits in limit bytes, else a prefix ending at a rune
// boundary (at a line end when one is near) followed by note, all within limit.
func truncateUTF8(s string, limit int, note string) string {
	if limit <= 0 || len(s) <= limit {
		return s
	}
	cut := limit - len(note)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if nl := strings.LastIndexByte(s[:cut], '\n'); nl > 0 && cut-nl < 200 {
		cut = nl
	}
	return s[:cut] + note
}
