package reports

import (
	"testing"
	"time"

	"github.com/caseload/caseload/reports/internal/fixture"
)

var generatedAt = time.Date(2022, 11, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600))

func testQuality() Quality {
	return Quality{
		Files: []FileRow{
			{Path: "incoming/2017-2020.csv", PulledAt: time.Date(2022, 10, 31, 22, 0, 0, 0, time.UTC), Format: "csv", RowsRead: 10234, Accepted: 10190, Superseded: 12, Rejected: 32, UnrecognisedCountry: 5},
			{Path: "incoming/2021-2022.xlsx", PulledAt: time.Date(2022, 10, 31, 22, 1, 0, 0, time.UTC), Format: "xlsx", RowsRead: 7712, Accepted: 7652, Superseded: 29, Rejected: 31, UnrecognisedCountry: 3},
		},
		RejectReasons:         []ReasonRow{{"unknown_item_code", 27}, {"bad_received_at", 21}, {"missing_case_id", 15}},
		UnrecognisedCountries: []CountryValueRow{{"南洋", 4}, {"Formosa?", 2}, {"英属某地", 2}},
	}
}

// monthModel is the reference office's 2022-10 report model.
func monthModel(t testing.TB, lang Lang) *Model {
	t.Helper()
	m, err := New(Inputs{
		Lang: lang, Office: fixture.Office, Timezone: "Asia/Shanghai", GeneratedAt: generatedAt,
		Current: fixture.Month(), LastYear: fixture.MonthLastYear(), Previous: fixture.MonthPrevious(),
		Definitions: fixture.Definitions(), Quality: testQuality(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ytdModel(t testing.TB, lang Lang) *Model {
	t.Helper()
	m, err := New(Inputs{
		Lang: lang, Office: fixture.Office, Timezone: "Asia/Shanghai", GeneratedAt: generatedAt,
		Current: fixture.YTD(), Definitions: fixture.Definitions(), Quality: testQuality(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
