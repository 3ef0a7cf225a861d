package ingest

import (
	"fmt"
	"testing"
)

// TestFinalReplaced: a later-pulled file whose version of a case wins by pull order alone and
// takes a final status back to a non-final one is reported per earlier file (the pull
// summary warns); a version that updated_at says is newer, or a final replacing anything,
// is not.
func TestFinalReplaced(t *testing.T) {
	p := newProject(t, "sources:\n  - name: a\n    path: incoming/*.csv\n")
	const head = "case_id,item_code,received_at,completed_at,status,updated_at\n"
	// The newer export sorts first: 202403-更新.csv < 202403.csv ('-' < '.').
	p.file("incoming/202403-更新.csv", head+
		"A1,QB01,2022-03-01 09:00,2022-03-02 09:00,completed,\n"+
		"A2,QB01,2022-03-01 09:00,2022-03-02 09:00,rejected,\n"+
		"A3,QB01,2022-03-01 09:00,2022-03-02 09:00,completed,2022-03-02 09:00\n"+
		"A4,QB01,2022-03-01 09:00,2022-03-02 09:00,withdrawn,2022-03-02 09:00\n"+
		"A5,QB01,2022-03-01 09:00,,in_progress,\n"+
		"A6,QB01,2022-03-01 09:00,2022-03-02 09:00,completed,\n")
	p.file("incoming/202403.csv", head+
		"A1,QB01,2022-03-01 09:00,,received,\n"+ // final → non-final by pull order: warned
		"A2,QB01,2022-03-01 09:00,,in_progress,\n"+ // the same: warned
		"A3,QB01,2022-03-01 09:00,,in_progress,2022-03-02 09:00\n"+ // same updated_at, pull order decides: warned
		"A4,QB01,2022-03-01 09:00,,in_progress,2022-03-05 09:00\n"+ // newer updated_at: reopened, not warned
		"A5,QB01,2022-03-01 09:00,,received,\n"+ // non-final → non-final: not warned
		"A6,QB01,2022-03-01 09:00,2022-03-03 09:00,completed,\n") // final → final: not warned
	res := p.pull(Options{})
	if f := res.Files[0]; f.Path != "incoming/202403-更新.csv" || len(f.FinalReplaced) != 0 {
		t.Fatalf("first file: %+v", f)
	}
	f := res.Files[1]
	if got, want := fmt.Sprintf("%+v", f.FinalReplaced), "[{File:incoming/202403-更新.csv Cases:3 CaseID:A1 From:completed To:received}]"; got != want {
		t.Errorf("final_replaced %s, want %s", got, want)
	}
	if f.Replaced != 6 {
		t.Errorf("replaced %d, want 6", f.Replaced)
	}
	// Across pulls, and per earlier file.
	p.file("incoming/202404.csv", head+"B1,QB01,2022-04-01 09:00,2022-04-01 10:00,completed,\n")
	p.pull(Options{})
	later := p.file("later.csv", head+"A6,QB01,2022-03-01 09:00,,received,\nB1,QB01,2022-04-01 09:00,,received,\nA1,QB01,2022-03-01 09:00,,received,\n")
	res = p.pull(Options{}, later)
	if got, want := fmt.Sprintf("%+v", res.Files[0].FinalReplaced),
		"[{File:incoming/202403.csv Cases:1 CaseID:A6 From:completed To:received} {File:incoming/202404.csv Cases:1 CaseID:B1 From:completed To:received}]"; got != want {
		t.Errorf("later pull: final_replaced %s, want %s", got, want)
	}
}
