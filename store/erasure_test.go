package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestEraseClosedAccounts: a member closed on 2023-10-01 whose last locked
// period is 2023Q3 is erased on 2028-10-01 (5 years), not a day before:
// name and username pseudonymised, login gone, their reasons, notes, report
// texts and comments emptied, the locked snapshot rewritten with their
// figures kept under the pseudonym, audited; other members untouched; a
// second run erases nothing.
func TestEraseClosedAccounts(t *testing.T) {
	o := newAttOrg(t)
	reportID := sealedFixture(t, o)
	p, _ := ParsePeriod("2023Q3", o.s.Location())
	frozen, _ := o.s.FrozenPeriod(p)
	before := frozen.MemberRates(o.m1.ID)
	left := "2023-10-01"
	if _, err := o.s.UpdateMember(admin, o.m1.ID, MemberPatch{LeftOn: &left}); err != nil {
		t.Fatal(err)
	}
	system := WithActor(context.Background(), "system")
	for _, c := range []struct {
		at   string
		want int
	}{
		{"2024-06-01", 0},
		{"2028-09-29", 0},
		{"2028-09-30", 1}, // o.left: left 2023-09-01, inside 2023Q3, which ends 09-30
		{"2028-10-01", 1}, // m1: left_on 2023-10-01 is later than the period's end
		{"2028-10-02", 0}, // already erased
	} {
		day, _ := time.ParseInLocation(DateLayout, c.at, o.s.Location())
		o.clock.Set(day.Add(4 * time.Hour))
		done, err := o.s.EraseClosedAccounts(system)
		if err != nil || len(done) != c.want {
			t.Fatalf("%s: erased %+v %v, want %d", c.at, done, err, c.want)
		}
		if c.at == "2028-09-30" && done[0].MemberID != o.left.ID {
			t.Errorf("erased %+v, want o.left", done[0])
		}
		if c.at == "2028-10-01" && (done[0].MemberID != o.m1.ID || done[0].Pseudonym != "已注销成员-"+o.m1.ID || done[0].DueOn != "2028-10-01" || done[0].Texts < 4 || done[0].Snapshots != 1) {
			t.Errorf("erased %+v", done[0])
		}
	}
	m, _ := o.s.Member(o.m1.ID)
	if m.Name != Pseudonym(o.m1.ID) || m.Username != ErasedUsername(o.m1.ID) || m.ErasedOn != "2028-10-01" {
		t.Errorf("member %+v", m)
	}
	if _, err := o.s.MemberByUsername(testUsername("m1")); err == nil {
		t.Error("the old username still finds the account")
	}
	if _, err := o.s.CheckPassword(ErasedUsername(o.m1.ID), "password1"); err == nil {
		t.Error("the erased account logs in under its new username")
	}
	if _, err := o.s.CheckPassword(testUsername("m1"), "password1"); err == nil {
		t.Error("the erased account still logs in")
	}
	pd, err := o.s.PersonalData(o.m1.ID)
	if err != nil || pd.Leave[0].Reason != "" || pd.LearningReports[0].Text != "" || pd.LearningReports[0].Comment != "" {
		t.Errorf("records after erasure %+v %v", pd, err)
	}
	att, _ := o.s.Attendance(o.sessionID)
	for _, a := range att {
		if a.MemberID == o.m1.ID && a.Note != "" {
			t.Errorf("m1's note %q kept", a.Note)
		}
		if a.MemberID == o.m2.ID && a.Note != sealedTexts["note"] {
			t.Errorf("m2's note %q changed", a.Note)
		}
	}
	// The locked period: the same figures, under the pseudonym.
	frozen, err = o.s.FrozenPeriod(p)
	if err != nil {
		t.Fatal(err)
	}
	after := frozen.MemberRates(o.m1.ID)
	if len(after.Members) != 1 || after.Members[0].Name != Pseudonym(o.m1.ID) || after.Members[0].Participation.Num != before.Members[0].Participation.Num ||
		after.Members[0].Participation.Den != before.Members[0].Participation.Den || *after.Members[0].Score != *before.Members[0].Score || after.Members[0].Attendance != before.Members[0].Attendance {
		t.Errorf("frozen rates %+v, were %+v", after.Members, before.Members)
	}
	for _, fm := range frozen.Members {
		if fm.ID == o.m1.ID && (fm.Name != Pseudonym(o.m1.ID) || fm.Username != ErasedUsername(o.m1.ID)) {
			t.Errorf("snapshot member %+v", fm)
		}
	}
	recs, err := o.s.FrozenRecords(frozen, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := recs.Reports[reportID]; r.Comment != "" || r.Text != "" {
		t.Errorf("frozen report %+v", r)
	}
	if _, err := o.s.VerifyAudit(); err != nil {
		t.Error(err)
	}
	es, _ := o.s.Audit(AuditFilter{Entity: "member", EntityID: o.m1.ID, Limit: 1})
	if len(es) != 1 || es[0].Action != "erase" || es[0].ActorID != "system" || strings.Contains(string(es[0].After), "m1\"") {
		t.Errorf("audit %+v", es)
	}
}

// TestEraseRetentionConfigured: the retention comes from the privacy
// policy; a member who never was in a locked period counts from left_on.
func TestEraseRetentionConfigured(t *testing.T) {
	o := newAttOrg(t) // o.left left on 2023-09-01, nothing locked
	if err := o.s.SetPrivacyPolicy(PrivacyPolicy{EraseAfterYears: 1, Notice: "告知"}); err != nil {
		t.Fatal(err)
	}
	if err := o.s.SetPrivacyPolicy(PrivacyPolicy{EraseAfterYears: 0, Notice: "告知"}); err == nil {
		t.Error("a retention of 0 years accepted")
	}
	o.clock.Set(time.Date(2024, 8, 31, 12, 0, 0, 0, o.s.Location()))
	if done, _ := o.s.EraseClosedAccounts(admin); len(done) != 0 {
		t.Errorf("erased early %+v", done)
	}
	o.clock.Set(time.Date(2024, 9, 1, 0, 0, 0, 0, o.s.Location()))
	if done, _ := o.s.EraseClosedAccounts(admin); len(done) != 1 || done[0].MemberID != o.left.ID {
		t.Errorf("erased %+v", done)
	}
}
