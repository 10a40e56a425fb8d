package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// mtFixture adds to the rotation fixture an admin account, a second branch
// with its own member and lead, and a past session of 第一支部.
type mtFixture struct {
	*rtFixture
	adm, lead2, m2 *Member
	g2             string
	sess           *Session
}

func newMTFixture(tb testing.TB) *mtFixture {
	tb.Helper()
	f := &mtFixture{rtFixture: newRTFixture(tb)}
	f.adm = mustMember(tb, f.s, "管理员", "", RoleAdmin, "2022-01-01")
	f.g2 = mustGroup(tb, f.s, "第二支部", f.root)
	f.lead2 = mustMember(tb, f.s, "赵书记", f.g2, RoleLead, "2022-01-01")
	f.m2 = mustMember(tb, f.s, "钱", f.g2, RoleMember, "2022-01-01")
	f.sess = rtCreate(tb, f.s, f.g, rtDay("2023-08-28"), "")
	return f
}

// wantErr checks err's kind and, for 422, that field is named.
func mtWantErr(tb testing.TB, what string, err error, kind Kind, codeOrField string) {
	tb.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != kind {
		tb.Errorf("%s: got %v, want kind %d", what, err, kind)
		return
	}
	if codeOrField == "" {
		return
	}
	if kind == KindInvalid {
		if _, ok := e.Fields[codeOrField]; !ok {
			tb.Errorf("%s: fields %v, want %q named", what, e.Fields, codeOrField)
		}
	} else if e.Code != codeOrField {
		tb.Errorf("%s: code %q, want %q", what, e.Code, codeOrField)
	}
}

func TestRecordReading(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	ctx := WithActor(admin, f.c.ID)
	turn, replaced, err := s.RecordReading(ctx, f.c, f.sess.ID, ReadingInput{LeadID: " " + f.a.ID + " ", Material: " 《习近平谈治国理政》第四卷 ", Notes: "第一章"})
	if err != nil || replaced {
		t.Fatalf("first turn: %v replaced %v", err, replaced)
	}
	if turn.LeadID != f.a.ID || turn.Material != "《习近平谈治国理政》第四卷" || turn.RecordedBy != f.c.ID || turn.SessionID != f.sess.ID {
		t.Errorf("turn %+v", turn)
	}
	// A second turn replaces the first, and the audit keeps both.
	turn2, replaced, err := s.RecordReading(ctx, f.c, f.sess.ID, ReadingInput{LeadID: f.outside.ID, Material: "《党章》"})
	if err != nil || !replaced || turn2.LeadID != f.outside.ID {
		t.Fatalf("second turn: %+v %v %v", turn2, replaced, err)
	}
	mins, err := s.Minutes(f.sess.ID)
	if err != nil || mins.Reading == nil || mins.Reading.Material != "《党章》" {
		t.Fatalf("minutes %+v %v", mins, err)
	}
	entries, _ := s.Audit(AuditFilter{Entity: "reading_turn", EntityID: f.sess.ID})
	if len(entries) != 2 || entries[0].Action != "update" || !strings.Contains(string(entries[0].Before), "习近平") || entries[1].Action != "create" {
		t.Errorf("audit %+v", entries)
	}

	// The turn's lead is the actual lead the rotation continues after: a
	// lead from above is not in the order, so it looks back (nobody) and
	// starts at the head.
	future := rtCreate(t, s, f.g, rtDay("2023-09-04"), "")
	if future.LeadID != f.b.ID {
		t.Errorf("next lead %s, want b", f.names([]string{future.LeadID}))
	}

	cancelled := rtCreate(t, s, f.g, rtDay("2023-08-21"), "")
	rtEdit(t, s, cancelled.ID, func(ss *Session) { ss.Cancelled = true })
	left := mustMember(t, s, "离", f.g, RoleMember, "2023-01-01")
	if _, err := s.UpdateMember(admin, left.ID, MemberPatch{LeftOn: rtPtr("2023-08-01")}); err != nil {
		t.Fatal(err)
	}
	ok := ReadingInput{LeadID: f.a.ID, Material: "《党章》"}
	for _, c := range []struct {
		name    string
		by      *Member
		session string
		in      ReadingInput
		kind    Kind
		detail  string
	}{
		{"member may not record", f.a, f.sess.ID, ok, KindForbidden, "forbidden"},
		{"lead of another branch", f.lead2, f.sess.ID, ok, KindForbidden, "forbidden"},
		{"unknown session", f.c, "777", ok, KindNotFound, "not_found"},
		{"bad session id", f.c, "x", ok, KindNotFound, "not_found"},
		{"cancelled", f.c, cancelled.ID, ok, KindConflict, "session_cancelled"},
		{"not started", f.c, future.ID, ok, KindConflict, "session_not_started"},
		{"lead outside the audience", f.c, f.sess.ID, ReadingInput{LeadID: f.m2.ID, Material: "x"}, KindInvalid, "lead_id"},
		{"lead of another branch is not over the group", f.c, f.sess.ID, ReadingInput{LeadID: f.lead2.ID, Material: "x"}, KindInvalid, "lead_id"},
		{"departed lead", f.c, f.sess.ID, ReadingInput{LeadID: left.ID, Material: "x"}, KindInvalid, "lead_id"},
		{"unknown lead", f.c, f.sess.ID, ReadingInput{LeadID: "9999", Material: "x"}, KindInvalid, "lead_id"},
		{"no lead", f.c, f.sess.ID, ReadingInput{Material: "x"}, KindInvalid, "lead_id"},
		{"no material", f.c, f.sess.ID, ReadingInput{LeadID: f.a.ID, Material: "  "}, KindInvalid, "material"},
		{"material too long", f.c, f.sess.ID, ReadingInput{LeadID: f.a.ID, Material: strings.Repeat("学", 501)}, KindInvalid, "material"},
		{"control characters", f.c, f.sess.ID, ReadingInput{LeadID: f.a.ID, Material: "a\x00b"}, KindInvalid, "material"},
	} {
		_, _, err := s.RecordReading(ctx, c.by, c.session, c.in)
		mtWantErr(t, c.name, err, c.kind, c.detail)
	}
	// Nothing of the refused writes was kept.
	if mins, _ := s.Minutes(f.sess.ID); mins.Reading.LeadID != f.outside.ID {
		t.Errorf("a refused write changed the turn: %+v", mins.Reading)
	}
	// The admin may record.
	if _, _, err := s.RecordReading(WithActor(admin, f.adm.ID), f.adm, f.sess.ID, ok); err != nil {
		t.Errorf("admin: %v", err)
	}
}

func TestSharesAndQuestions(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	ctx := WithActor(admin, f.c.ID)
	sh, err := s.RecordShare(ctx, f.c, f.sess.ID, ShareInput{MemberID: f.a.ID, Summary: "谈了学习体会"})
	if err != nil || sh.ID == "" || sh.MemberID != f.a.ID {
		t.Fatalf("share %+v %v", sh, err)
	}
	if _, err := s.RecordShare(ctx, f.c, f.sess.ID, ShareInput{MemberID: f.b.ID, Summary: "结合工作实际"}); err != nil {
		t.Fatal(err)
	}
	q, err := s.RecordQuestion(ctx, f.c, f.sess.ID, QuestionInput{AskerID: f.a.ID, AnswererID: f.b.ID, Question: "如何理解？", Rating: 4})
	if err != nil || q.Rating != 4 || q.AskerID != f.a.ID {
		t.Fatalf("question %+v %v", q, err)
	}
	// A parent-group lead may record too.
	if _, err := s.RecordShare(WithActor(admin, f.outside.ID), f.outside, f.sess.ID, ShareInput{MemberID: f.d.ID, Summary: "补充"}); err != nil {
		t.Errorf("lead from above: %v", err)
	}
	for _, c := range []struct {
		name   string
		err    error
		kind   Kind
		detail string
	}{
		{"share by a member", mtErr(s.RecordShare(ctx, f.a, f.sess.ID, ShareInput{MemberID: f.a.ID, Summary: "x"})), KindForbidden, ""},
		{"share outside the audience", mtErr(s.RecordShare(ctx, f.c, f.sess.ID, ShareInput{MemberID: f.m2.ID, Summary: "x"})), KindInvalid, "member_id"},
		{"share without summary", mtErr(s.RecordShare(ctx, f.c, f.sess.ID, ShareInput{MemberID: f.a.ID})), KindInvalid, "summary"},
		{"share, unknown session", mtErr(s.RecordShare(ctx, f.c, "55", ShareInput{MemberID: f.a.ID, Summary: "x"})), KindNotFound, ""},
		{"question asks oneself", mtErr(s.RecordQuestion(ctx, f.c, f.sess.ID, QuestionInput{AskerID: f.a.ID, AnswererID: f.a.ID, Question: "x", Rating: 3})), KindInvalid, "answerer_id"},
		{"rating 0", mtErr(s.RecordQuestion(ctx, f.c, f.sess.ID, QuestionInput{AskerID: f.a.ID, AnswererID: f.b.ID, Question: "x"})), KindInvalid, "rating"},
		{"rating 6", mtErr(s.RecordQuestion(ctx, f.c, f.sess.ID, QuestionInput{AskerID: f.a.ID, AnswererID: f.b.ID, Question: "x", Rating: 6})), KindInvalid, "rating"},
		{"answerer outside", mtErr(s.RecordQuestion(ctx, f.c, f.sess.ID, QuestionInput{AskerID: f.a.ID, AnswererID: f.m2.ID, Question: "x", Rating: 3})), KindInvalid, "answerer_id"},
		{"asker unknown", mtErr(s.RecordQuestion(ctx, f.c, f.sess.ID, QuestionInput{AskerID: "8888", AnswererID: f.b.ID, Question: "x", Rating: 3})), KindInvalid, "asker_id"},
		{"question by another branch's lead", mtErr(s.RecordQuestion(ctx, f.lead2, f.sess.ID, QuestionInput{AskerID: f.a.ID, AnswererID: f.b.ID, Question: "x", Rating: 3})), KindForbidden, ""},
	} {
		mtWantErr(t, c.name, c.err, c.kind, c.detail)
	}
	mins, err := s.Minutes(f.sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mins.Reading != nil || len(mins.Shares) != 3 || len(mins.Questions) != 1 || mins.Shares[0].Summary != "谈了学习体会" || mins.Shares[2].MemberID != f.d.ID {
		t.Errorf("minutes %+v", mins)
	}
	if _, err := s.Minutes("999"); !IsKind(err, KindNotFound) {
		t.Errorf("minutes of an unknown session: %v", err)
	}
	// Empty minutes are empty lists, not null.
	other := rtCreate(t, s, f.g, rtDay("2023-08-21"), "")
	data, _ := json.Marshal(mtMust(s.Minutes(other.ID)))
	if !strings.Contains(string(data), `"shares":[]`) || !strings.Contains(string(data), `"reading":null`) {
		t.Errorf("empty minutes %s", data)
	}
	for _, e := range []string{"share", "question"} {
		if entries, _ := s.Audit(AuditFilter{Entity: e}); len(entries) == 0 || entries[0].After == nil {
			t.Errorf("no audit of %s", e)
		}
	}
}

func mtErr[T any](_ T, err error) error { return err }

func mtMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestMinutesLockedPeriod: once a quarter is locked, a lead can no longer
// change its minutes; an admin can, and the audit entry is flagged.
func TestMinutesLockedPeriod(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	old := rtCreate(t, s, f.g, rtDay("2023-06-05"), "")
	if _, err := s.LockPeriod(admin, "2023Q2"); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.RecordReading(WithActor(admin, f.c.ID), f.c, old.ID, ReadingInput{LeadID: f.a.ID, Material: "x"})
	mtWantErr(t, "lead in a locked period", err, KindForbidden, "period_locked")
	_, err = s.RecordShare(WithActor(admin, f.c.ID), f.c, old.ID, ShareInput{MemberID: f.a.ID, Summary: "x"})
	mtWantErr(t, "share in a locked period", err, KindForbidden, "period_locked")
	_, err = s.RecordQuestion(WithActor(admin, f.adm.ID), f.adm, old.ID, QuestionInput{AskerID: f.a.ID, AnswererID: f.b.ID, Question: "x", Rating: 5})
	if err != nil {
		t.Fatalf("admin in a locked period: %v", err)
	}
	entries, _ := s.Audit(AuditFilter{Entity: "question"})
	if len(entries) != 1 || entries[0].Flag != AuditFlagLockedPeriod {
		t.Errorf("audit %+v, want one flagged entry", entries)
	}
}

// fuzzValidator checks a request validator on arbitrary JSON: it never
// panics, refuses only with a 422 naming fields, and what it accepts obeys
// check.
func fuzzRequest[T any, P interface {
	*T
	Validate() error
}](t *testing.T, data []byte, check func(v P) string) {
	var v T
	if json.Unmarshal(data, &v) != nil {
		return
	}
	err := P(&v).Validate()
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalid || len(e.Fields) == 0 {
			t.Fatalf("Validate(%s) = %v, want a 422 naming fields", data, err)
		}
		return
	}
	if msg := check(&v); msg != "" {
		t.Fatalf("Validate accepted %s: %s", data, msg)
	}
}

// okText is what the validators promise about accepted free text.
func mtOKText(s string, max int, required bool) bool {
	if s == "" {
		return !required
	}
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max && strings.TrimSpace(s) == s
}

func FuzzReadingInput(f *testing.F) {
	f.Add([]byte(`{"lead_id":"3","material":"《党章》","notes":"第一章"}`))
	f.Add([]byte(`{"lead_id":"0","material":""}`))
	f.Add([]byte(`{"lead_id":" 18446744073709551615 ","material":"\u0000"}`))
	f.Add([]byte(`{"lead_id":"-1","material":"x","notes":"\ud800"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRequest(t, data, func(in *ReadingInput) string {
			if _, ok := idKey(in.LeadID); !ok {
				return "bad lead_id"
			}
			if !mtOKText(in.Material, maxMaterial, true) || !mtOKText(in.Notes, maxMinutes, false) {
				return "bad text"
			}
			return ""
		})
	})
}

func FuzzShareInput(f *testing.F) {
	f.Add([]byte(`{"member_id":"3","summary":"谈体会"}`))
	f.Add([]byte(`{"member_id":"","summary":"   "}`))
	f.Add([]byte(`{"member_id":"1e3","summary":"\t\n"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRequest(t, data, func(in *ShareInput) string {
			if _, ok := idKey(in.MemberID); !ok || !mtOKText(in.Summary, maxMinutes, true) {
				return "bad share"
			}
			return ""
		})
	})
}

func FuzzQuestionInput(f *testing.F) {
	f.Add([]byte(`{"asker_id":"3","answerer_id":"4","question":"如何理解？","rating":5}`))
	f.Add([]byte(`{"asker_id":"3","answerer_id":"3","question":"x","rating":0}`))
	f.Add([]byte(`{"asker_id":"3","answerer_id":"4","question":"x","rating":-2147483649}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRequest(t, data, func(in *QuestionInput) string {
			_, ok1 := idKey(in.AskerID)
			_, ok2 := idKey(in.AnswererID)
			switch {
			case !ok1 || !ok2 || in.AskerID == in.AnswererID:
				return "bad people"
			case in.Rating < 1 || in.Rating > 5:
				return "bad rating"
			case !mtOKText(in.Question, maxMinutes, true):
				return "bad question"
			}
			return ""
		})
	})
}
