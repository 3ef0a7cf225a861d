package deliver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/caseload/caseload/reports/newsbrief"
)

func TestAlertText(t *testing.T) {
	opt := Options{Host: "srv-01", Location: shanghai, Now: func() time.Time { return time.Date(2022, 11, 1, 6, 3, 0, 0, shanghai) }}
	msg, err := AlertMessage("示范县侨办", "zh", october, Run{Job: "monthly-report", RunID: 42, Status: "timed_out", Error: "run timed out after 30m0s"})
	if err != nil {
		t.Fatal(err)
	}
	subject, body := Text(msg, opt)
	if subject != "【caseload告警】monthly-report 2022年10月 运行超时" {
		t.Errorf("subject %q", subject)
	}
	want := `您好！

任务 monthly-report（2022年10月）运行超时，请检查。

单位：示范县侨办
任务：monthly-report
统计期间：2022年10月 (2022-10)
状态：超时（timed_out）
运行编号：42
错误：run timed out after 30m0s
时间：2022-11-01 06:03 +08:00
主机：srv-01
查看：caseload runs --job monthly-report

--
本消息由 caseload 在主机 srv-01 上自动发送，请勿直接回复。
`
	if body != want {
		t.Errorf("body:\n%s\nwant:\n%s", body, want)
	}

	msg, _ = RecoveredMessage("示范县侨办", "en", october, Run{Job: "monthly-report", RunID: 43})
	subject, body = Text(msg, opt)
	if subject != "[caseload recovered] monthly-report October 2022: succeeded again" ||
		!strings.Contains(body, "Job monthly-report succeeded again after a failed run.") || !strings.Contains(body, "Status: succeeded") ||
		!strings.Contains(body, "See: caseload runs --job monthly-report") {
		t.Errorf("%s\n%s", subject, body)
	}

	// a missed run has no error; a run without a period says so
	msg, _ = AlertMessage("示范县侨办", "zh", october.SameLastYear().SameLastYear(), Run{Job: "m", Status: "missed"})
	if s, _ := Text(msg, opt); s != "【caseload告警】m 2020年10月 未按计划运行" {
		t.Errorf("%q", s)
	}
	if _, err := AlertMessage("x", "zh", october, Run{Job: "m", Status: "succeeded"}); err == nil {
		t.Error("succeeded is not an alert status")
	}
}

func TestTruncateUTF8(t *testing.T) {
	note := "……（已截断）"
	for _, s := range []string{strings.Repeat("侨", 2000), strings.Repeat("a", 5000), strings.Repeat("第1句\n", 900), "短"} {
		for _, limit := range []int{100, 101, 102, 4096} {
			got := truncateUTF8(s, limit, note)
			if len(got) > limit && len(s) > limit || !utf8.ValidString(got) {
				t.Errorf("limit %d: %d bytes, valid %v", limit, len(got), utf8.ValidString(got))
			}
			if len(s) > limit && !strings.HasSuffix(got, note) || len(s) <= limit && got != s {
				t.Errorf("limit %d: %q", limit, got[max(0, len(got)-30):])
			}
		}
	}
}

func TestHeadlinesOf(t *testing.T) {
	brief := []newsbrief.Paragraph{
		{Title: "总体情况", Sentences: []newsbrief.Sentence{{Text: "甲。"}, {Text: "乙。"}, {Text: "丙。"}}},
		{Title: "便民服务", Sentences: []newsbrief.Sentence{{Text: "丁。"}}},
		{Title: "标题参考", List: true, Sentences: []newsbrief.Sentence{{Text: "即办率达87.5%"}}},
	}
	if got := strings.Join(HeadlinesOf(brief), ""); got != "甲。乙。丁。" {
		t.Errorf("%s", got)
	}
}

func TestFilesOfMissing(t *testing.T) {
	dir := t.TempDir()
	paths := reportFiles(t, dir, 10)
	_, err := FilesOf(append(paths, filepath.Join(dir, "report-2022-10.json"), filepath.Join(dir, "x.pdf")))
	if err == nil || err.Error() != "report files missing: "+filepath.Join(dir, "report-2022-10.json")+", "+filepath.Join(dir, "x.pdf") {
		t.Errorf("%v", err)
	}
}

func TestAttachmentName(t *testing.T) {
	msg := Message{Office: "示范县侨办", Period: mustPeriod(t, "ytd:2022-10"), Lang: "zh"}
	for _, c := range []struct{ pattern, lang, want string }{
		{"", "zh", "示范县侨办2022年1—10月统计报表.xlsx"},
		{"", "en", "示范县侨办 report ytd-2022-10.xlsx"},
		{"侨办月报-{period}", "zh", "侨办月报-ytd-2022-10.xlsx"},
		{"{office}/{period_name}", "zh", "示范县侨办-2022年1—10月.xlsx"},
	} {
		msg.Lang = c.lang
		if got := AttachmentName(c.pattern, msg, "xlsx"); got != c.want {
			t.Errorf("%q %s: %q, want %q", c.pattern, c.lang, got, c.want)
		}
	}
}

func TestBriefFromJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report-2022-10.json")
	os.WriteFile(path, []byte(`{"office":"示范县侨办","timezone":"Asia/Shanghai","period":{"label":"2022-10","kind":"month","first_day":"2022-10-01","last_day":"2022-10-31"},
"kpis":{"completed_cumulative":14856,"received":207,"completed":198,"received_yoy_growth":-0.0142},"by_item":[],"by_channel":[],"monthly":[]}`), 0o644)
	brief, err := BriefFromJSON(path, "", "zh", october)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(HeadlinesOf(brief), "")
	if got != "截至2022年10月底，示范县侨办累计审批涉侨业务14,856宗。2022年10月，共受理涉侨业务207宗，同比下降1.4%；办结198宗。" {
		t.Errorf("%s", got)
	}
	if _, err := BriefFromJSON(path, "", "zh", mustPeriod(t, "2022-09")); err == nil || !strings.Contains(err.Error(), "not the JSON report of 2022-09") {
		t.Errorf("%v", err)
	}
}
