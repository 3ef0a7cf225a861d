package deliver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/newsbrief"
)

// HeadlinesPerParagraph is how many sentences of each news-brief paragraph a message quotes.
const HeadlinesPerParagraph = 2

// HeadlinesOf picks the headline sentences of a news brief: the first
// HeadlinesPerParagraph sentences of each running-text paragraph (总体情况, 便民服务,
// 积案化解), in order. The 标题参考 list is left out: its rounded-down claims are headline
// suggestions for editors, not figures.
func HeadlinesOf(brief []newsbrief.Paragraph) []string {
	var out []string
	for _, p := range brief {
		if p.List {
			continue
		}
		for i, s := range p.Sentences {
			if i == HeadlinesPerParagraph {
				break
			}
			out = append(out, s.Text)
		}
	}
	return out
}

// FormatOf is the report format of a file, from its extension ("" if not a report format).
func FormatOf(path string) string {
	switch ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), ".")); ext {
	case "xlsx", "html", "pdf", "json":
		return ext
	}
	return ""
}

// FilesOf stats report files. Missing files are one error naming every one of them.
func FilesOf(paths []string) ([]File, error) {
	var out []File
	var missing []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			missing = append(missing, p)
			continue
		}
		out = append(out, File{Path: p, Format: FormatOf(p), Size: st.Size()})
	}
	if len(missing) > 0 {
		return out, fmt.Errorf("report files missing: %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// ReportMessage is the message of a period's reports: headlines from the news brief (in
// the brief's language, which should be lang) and the files written.
func ReportMessage(office, lang string, p period.Period, brief []newsbrief.Paragraph, paths []string) (Message, error) {
	files, err := FilesOf(paths)
	if err != nil {
		return Message{}, err
	}
	return Message{Type: TypeReport, Office: office, Lang: lang, Period: p, Headlines: HeadlinesOf(brief), Files: files}, nil
}

// BriefFromJSON gives the news brief of a period from its JSON report (the §7.1 document
// `caseload report` writes), so that a message quotes exactly the sentences and figures of
// the files it carries: the draft the report holds ("news_brief", in the report's language)
// when it is in lang, else a draft built from the figures. It fails if the file is not that
// document or is for another period.
func BriefFromJSON(path, office, lang string, p period.Period) ([]newsbrief.Paragraph, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r kpi.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Period.Label != p.Label || r.KPIs == nil {
		return nil, fmt.Errorf("%s: not the JSON report of %s", path, p.Label)
	}
	var withBrief struct {
		NewsBrief *struct {
			Lang       string                `json:"lang"`
			Paragraphs []newsbrief.Paragraph `json:"paragraphs"`
		} `json:"news_brief"`
	}
	if err := json.Unmarshal(b, &withBrief); err == nil && withBrief.NewsBrief != nil && withBrief.NewsBrief.Lang == langOr(lang) && len(withBrief.NewsBrief.Paragraphs) > 0 {
		return withBrief.NewsBrief.Paragraphs, nil
	}
	if office == "" {
		office = r.Office
	}
	return newsbrief.Build(newsbrief.Input{Office: office, Current: &r}, lang), nil
}

func langOr(lang string) string {
	if lang == "" {
		return "zh"
	}
	return lang
}

// AlertStatuses are the run statuses that are alerted (SPEC §11).
var AlertStatuses = []string{"failed", "timed_out", "interrupted", "missed"}

// AlertMessage is the short message about a run that ended failed, timed_out, interrupted
// or missed. see is how to look at the run; "" = "caseload runs --job JOB".
func AlertMessage(office, lang string, p period.Period, a Run) (Message, error) {
	ok := false
	for _, s := range AlertStatuses {
		ok = ok || s == a.Status
	}
	if !ok {
		return Message{}, fmt.Errorf("alert: status %q is not one of: %s", a.Status, strings.Join(AlertStatuses, ", "))
	}
	if a.Job == "" {
		return Message{}, errors.New("alert: no job")
	}
	if a.See == "" {
		a.See = "caseload runs --job " + a.Job
	}
	return Message{Type: TypeAlert, Office: office, Lang: lang, Period: p, Run: &a}, nil
}

// RecoveredMessage is the message about the first success after an alerted run.
func RecoveredMessage(office, lang string, p period.Period, a Run) (Message, error) {
	if a.Job == "" {
		return Message{}, errors.New("recovered: no job")
	}
	if a.Status == "" {
		a.Status = "succeeded"
	}
	if a.See == "" {
		a.See = "caseload runs --job " + a.Job
	}
	return Message{Type: TypeRecovered, Office: office, Lang: lang, Period: p, Run: &a}, nil
}

// TestMessage is the message of `caseload deliver --test`.
func TestMessage(office, lang string) Message {
	return Message{Type: TypeTest, Office: office, Lang: lang}
}
