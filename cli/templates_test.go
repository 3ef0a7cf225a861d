package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/config"
)

// uncomment turns the commented example keys of a caseload.yaml into real ones: the job's
// optional keys (with deliver added to its steps) and the deliveries and alerts.
func uncomment(text string) string {
	var out []string
	key := regexp.MustCompile(`^(\s*)# ?((deliver|catchup|retries|retry_backoff|timeout): .*)$`)
	block := regexp.MustCompile(`^# ((deliveries:|alerts:| {2,}).*)$`)
	inBlock := false
	for _, line := range strings.Split(text, "\n") {
		inBlock = inBlock || strings.HasPrefix(line, "# deliveries:")
		switch {
		case key.MatchString(line):
			line = key.ReplaceAllString(line, "$1$2")
		case inBlock && block.MatchString(line):
			line = block.ReplaceAllString(line, "$1")
		}
		out = append(out, strings.Replace(line, "steps: [pull, report]", "steps: [pull, report, deliver]", 1))
	}
	return strings.Join(out, "\n")
}

// TestProjectTemplates: the caseload.yaml that init and demo write loads as written, and so
// does it with its commented job keys, deliveries and alerts uncommented (secrets are read
// only when a message is sent).
func TestProjectTemplates(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := run(t, dir, "init", "proj"); code != 0 {
		t.Fatal(errs)
	}
	if _, errs, code := run(t, dir, "--quiet", "demo", "demo"); code != 0 {
		t.Fatal(errs)
	}
	for _, proj := range []string{"proj", "demo"} {
		path := filepath.Join(dir, proj, "caseload.yaml")
		c, err := config.Load(path)
		if err != nil {
			t.Fatalf("%s as written: %v", proj, err)
		}
		if len(c.Jobs) != 1 || c.Jobs[0].Name != "monthly-report" || c.Jobs[0].Period != "previous-month" {
			t.Errorf("%s jobs: %+v", proj, c.Jobs)
		}
		b, _ := os.ReadFile(path)
		full := uncomment(string(b))
		c, err = config.Parse(path, []byte(full))
		if err != nil {
			t.Fatalf("%s uncommented: %v\n%s", proj, err, full)
		}
		j := c.Jobs[0]
		if len(c.Deliveries) != 3 || len(c.Alerts) != 1 || strings.Join(j.Deliver, ",") != "officials,archive" || j.Retries != 2 || j.Catchup != "latest" {
			t.Errorf("%s uncommented: %d deliveries, alerts %v, job %+v", proj, len(c.Deliveries), c.Alerts, j)
		}
	}
	// The init project runs its job as written (no case files yet: a warning, not a failure).
	out, errs, code := run(t, filepath.Join(dir, "proj"), "run", "monthly-report")
	if code != 0 || !strings.Contains(out, "warning: source approvals: no file matches incoming/*") {
		t.Errorf("init project's job: %d\n%s%s", code, out, errs)
	}
}
