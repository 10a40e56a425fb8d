package schedule

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"studyroll/store"
)

// TestSummaryCompliance: the group summary of a quarter prints the 三会一课
// page (held/required per kind, missing, the 四落实 rate) and the workbook
// has the 三会一课 sheet with the same figures. Once the quarter is locked
// its summaries keep both, frozen: a meeting added afterwards by an admin
// changes neither.
func TestSummaryCompliance(t *testing.T) {
	for _, locked := range []bool{false, true} {
		name := map[bool]string{false: "live", true: "locked"}[locked]
		t.Run(name, func(t *testing.T) { testSummaryCompliance(t, locked) })
	}
}

func testSummaryCompliance(t *testing.T, locked bool) {
	f := newFixture(t)
	ctx := store.WithActor(context.Background(), f.admin.ID)
	for _, d := range []int{9, 16} {
		st := time.Date(2023, 8, d, 15, 0, 0, 0, shanghai)
		if _, err := f.s.CreateSession(ctx, store.SessionInput{GroupID: f.g1, Kind: store.KindCommitteeMeeting, Title: "支委会",
			StartsAt: st.Format(time.RFC3339), EndsAt: st.Add(time.Hour).Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
	}
	st := time.Date(2023, 8, 20, 15, 0, 0, 0, shanghai)
	if _, err := f.s.CreateSession(ctx, store.SessionInput{GroupID: f.g1, Kind: store.KindPartyCongress, Title: "党员大会",
		StartsAt: st.Format(time.RFC3339), EndsAt: st.Add(time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	if locked {
		if _, err := f.s.LockPeriod(ctx, "2023Q3"); err != nil {
			t.Fatal(err)
		}
		st := time.Date(2023, 9, 20, 15, 0, 0, 0, shanghai)
		if _, err := f.s.CreateSession(ctx, store.SessionInput{GroupID: f.g2, Kind: store.KindPartyCongress, Title: "党员大会",
			StartsAt: st.Format(time.RFC3339), EndsAt: st.Add(time.Hour).Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
	}
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	if _, err := gen.Generate(store.WithActor(context.Background(), "system"), q3(t), "", "", nil); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.s.ReportFileOf("2023Q3", store.ReportGroupPDF, f.root)
	raw := pdfText(t, filepath.Join(gen.Dir, rec.Path))
	text := squash(raw)
	// The quarter is over when the reports are made. 第一支部: 党员大会 held;
	// 支委会 held in August only (twice, counted once); nothing else; the
	// yearly 组织生活会 is not yet due.
	for _, want := range []string{"三会一课落实情况", "支部党员大会", "支部委员会", "四落实率",
		"第一支部1/11/30/10/30/16", "第二支部0/10/30/10/30/18"} {
		if !strings.Contains(text, want) {
			t.Errorf("group summary lacks %q:\n%s", want, raw)
		}
	}
	xrec, _ := f.s.ReportFileOf("2023Q3", store.ReportGroupXLSX, f.root)
	x, err := excelize.OpenFile(filepath.Join(gen.Dir, xrec.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("三会一课", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) >= 6 {
			got[r[1]+" "+r[2]] = r[3] + "/" + r[4] + "/" + r[5]
		}
	}
	for k, want := range map[string]string{"第一支部 支部委员会": "3/1/2", "第一支部 支部党员大会": "1/1/0", "第二支部 支部党员大会": "1/0/1", "第二支部 组织生活会": "1/0/0"} {
		if got[k] != want {
			t.Errorf("sheet row %s = %q, want required/held/missing %s (all: %v)", k, got[k], want, got)
		}
	}
}
