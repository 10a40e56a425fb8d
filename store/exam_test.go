package store

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestCreateExam(t *testing.T) {
	s, _ := mustOpen(t)
	g := mustGroup(t, s, "支部", "")
	cases := []struct {
		name      string
		in        ExamInput
		bad       []string // fields named in the 422
		excellent float64
	}{
		{name: "OK default excellent is 90% of 100", in: ExamInput{GroupID: g, Title: "考试", HeldOn: "2023-07-01", MaxScore: 100}, excellent: 90},
		{name: "OK default of 10 is exactly 9", in: ExamInput{GroupID: g, Title: "考试", HeldOn: "2023-07-01", MaxScore: 10}, excellent: 9},
		{name: "OK default of 7.5", in: ExamInput{GroupID: g, Title: "考试", HeldOn: "2023-07-01", MaxScore: 7.5}, excellent: 6.75},
		{name: "OK excellent given", in: ExamInput{GroupID: g, Title: "考试", HeldOn: "2023-07-01", MaxScore: 50, ExcellentScore: f64(40)}, excellent: 40},
		{name: "OK excellent equal to max", in: ExamInput{GroupID: g, Title: "考试", HeldOn: "2023-07-01", MaxScore: 50, ExcellentScore: f64(50)}, excellent: 50},
		{name: "ErrEmpty", in: ExamInput{}, bad: []string{"group_id", "title", "held_on", "max_score"}},
		{name: "ErrBadDate", in: ExamInput{GroupID: g, Title: "x", HeldOn: "2023-02-30", MaxScore: 100}, bad: []string{"held_on"}},
		{name: "ErrNegativeMax", in: ExamInput{GroupID: g, Title: "x", HeldOn: "2023-07-01", MaxScore: -5}, bad: []string{"max_score"}},
		{name: "ErrHugeMax", in: ExamInput{GroupID: g, Title: "x", HeldOn: "2023-07-01", MaxScore: 1e7}, bad: []string{"max_score"}},
		{name: "ErrExcellentAboveMax", in: ExamInput{GroupID: g, Title: "x", HeldOn: "2023-07-01", MaxScore: 100, ExcellentScore: f64(101)}, bad: []string{"excellent_score"}},
		{name: "ErrExcellentZero", in: ExamInput{GroupID: g, Title: "x", HeldOn: "2023-07-01", MaxScore: 100, ExcellentScore: f64(0)}, bad: []string{"excellent_score"}},
		{name: "ErrTitleTwoLines", in: ExamInput{GroupID: g, Title: "a\nb", HeldOn: "2023-07-01", MaxScore: 100}, bad: []string{"title"}},
		{name: "ErrNoSuchGroup", in: ExamInput{GroupID: "999", Title: "x", HeldOn: "2023-07-01", MaxScore: 100}, bad: []string{"group_id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := s.CreateExam(bg, tc.in) // the system: no member "1" here
			if tc.bad == nil {
				if err != nil {
					t.Fatal(err)
				}
				if e.ExcellentScore != tc.excellent {
					t.Errorf("excellent_score %v, want %v", e.ExcellentScore, tc.excellent)
				}
				got, err := s.Exam(e.ID)
				if err != nil || *got != *e {
					t.Errorf("read back %+v %v", got, err)
				}
				return
			}
			var se *Error
			if err == nil || ErrorKind(err) != KindInvalid {
				t.Fatalf("err %v, want 422", err)
			}
			se = err.(*Error)
			for _, f := range tc.bad {
				if se.Fields[f] == "" {
					t.Errorf("fields %v lack %q", se.Fields, f)
				}
			}
			if len(se.Fields) != len(tc.bad) {
				t.Errorf("fields %v, want exactly %v", se.Fields, tc.bad)
			}
		})
	}
}

// decodeScores decodes a PUT body the way the handler does.
func decodeScores(t *testing.T, body string) ScoresInput {
	t.Helper()
	var in ScoresInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return in
}

func TestPutScores(t *testing.T) {
	o := newOrg(t)
	// E2: group A, 2023-09-05, max 50; audience a1, a2, a3 (a4 left 08-15).
	t.Run("ErrEachBadEntryNamedNothingStored", func(t *testing.T) {
		before, _ := o.s.ExamDetail(o.E2)
		body := `{"scores": [
			{"member_id": "` + o.a1.ID + `", "score": 45},
			{"member_id": "` + o.a2.ID + `", "score": 50.5},
			{"member_id": "` + o.b1.ID + `", "score": 30},
			{"member_id": "` + o.a3.ID + `", "score": "abc"},
			{"member_id": "` + o.a4.ID + `", "score": 10},
			{"member_id": "` + o.a1.ID + `", "score": 20},
			17,
			{"member_id": "` + o.a3.ID + `"},
			{"member_id": "99999", "score": 1},
			{"member_id": "` + o.a3.ID + `", "score": -1},
			{"member_id": "` + o.adm.ID + `", "score": 1},
			{"member_id": 5, "score": 1},
			{"member_id": "` + o.a2.ID + `", "score": 1, "note": "x"},
			{"member_id": "` + o.a2.ID + `", "score": "40"}
		]}`
		_, err := o.s.PutScores(admin, o.E2, decodeScores(t, body))
		if ErrorKind(err) != KindInvalid {
			t.Fatalf("err %v, want 422", err)
		}
		fields := err.(*Error).Fields
		want := map[string]string{
			"scores[1]":  "outside 0..50",
			"scores[2]":  "not in this exam's audience",
			"scores[3]":  "must be a number",
			"scores[4]":  "not in this exam's audience", // left before held_on
			"scores[5]":  "listed twice",
			"scores[6]":  "want an object",
			"scores[7]":  "score required",
			"scores[8]":  "no member",
			"scores[9]":  "outside 0..50",
			"scores[10]": "not in this exam's audience", // no group
			"scores[11]": "member_id must be a string",
			"scores[12]": "unknown field",
			"scores[13]": "must be a number",
		}
		for f, sub := range want {
			if !strings.Contains(fields[f], sub) {
				t.Errorf("%s: %q, want it to say %q", f, fields[f], sub)
			}
		}
		if len(fields) != len(want) {
			t.Errorf("fields %v, want exactly %d", fields, len(want))
		}
		after, _ := o.s.ExamDetail(o.E2)
		if len(after.Scores) != len(before.Scores) || after.Scores[0] != before.Scores[0] {
			t.Errorf("scores changed by a rejected request: %+v → %+v", before.Scores, after.Scores)
		}
	})
	t.Run("OK members not listed keep their scores", func(t *testing.T) {
		auditBefore, _ := o.s.Audit(AuditFilter{Entity: "exam_score"})
		d, err := o.s.PutScores(admin, o.E2, decodeScores(t, `{"scores":[{"member_id":"`+o.a2.ID+`","score":41},{"member_id":"`+o.a3.ID+`","score":50}]}`))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, sc := range d.Scores {
			got[sc.MemberID] = sc.Score
		}
		want := map[string]float64{o.a1.ID: 40, o.a2.ID: 41, o.a3.ID: 50}
		if len(got) != 3 || got[o.a1.ID] != 40 || got[o.a2.ID] != 41 || got[o.a3.ID] != 50 {
			t.Errorf("scores %v, want %v", got, want)
		}
		auditAfter, _ := o.s.Audit(AuditFilter{Entity: "exam_score"})
		// a3's 50 is unchanged: only a2's change is audited.
		if len(auditAfter)-len(auditBefore) != 1 || auditAfter[0].EntityID != o.E2+"/"+o.a2.ID {
			t.Errorf("audit entries added: %d (%+v), want 1 for a2", len(auditAfter)-len(auditBefore), auditAfter[0])
		}
		if string(auditAfter[0].Before) != `{"score":39}` || string(auditAfter[0].After) != `{"score":41}` {
			t.Errorf("audit before %s after %s", auditAfter[0].Before, auditAfter[0].After)
		}
	})
	t.Run("ErrNoScoresList", func(t *testing.T) {
		_, err := o.s.PutScores(admin, o.E2, decodeScores(t, `{}`))
		if ErrorKind(err) != KindInvalid || err.(*Error).Fields["scores"] == "" {
			t.Errorf("err %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := o.s.PutScores(admin, "777", decodeScores(t, `{"scores":[]}`))
		if ErrorKind(err) != KindNotFound {
			t.Errorf("err %v", err)
		}
	})
}

func TestExamResults(t *testing.T) {
	o := newOrg(t)
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	res, err := o.s.ExamResults(q3, o.a2.ID)
	if err != nil {
		t.Fatal(err)
	}
	// a2 in Q3: E1 90 (excellent at 90), E2 39 (below 40).
	if len(res) != 2 || res[0].Exam.ID != o.E1 || *res[0].Score != 90 || !res[0].Excellent || *res[1].Score != 39 || res[1].Excellent {
		t.Errorf("results %+v", res)
	}
	res, _ = o.s.ExamResults(q3, o.b1.ID)
	if len(res) != 1 || res[0].Score != nil || res[0].Excellent {
		t.Errorf("b1: %+v, want E1 without score", res)
	}
}

func TestExams(t *testing.T) {
	o := newOrg(t)
	all, err := o.s.Exams(ExamFilter{})
	if err != nil || len(all) != 4 || all[0].ID != o.E4 || all[3].ID != o.E3 {
		t.Fatalf("exams %+v %v, want by date E4 E1 E2 E3", all, err)
	}
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	in, _ := o.s.Exams(ExamFilter{Period: &q3, GroupIDs: []string{o.A}})
	if len(in) != 1 || in[0].ID != o.E2 {
		t.Errorf("A in Q3: %+v", in)
	}
}

func FuzzScoresInput(f *testing.F) {
	f.Add(`{"scores":[{"member_id":"1","score":5}]}`)
	f.Add(`{"scores":[{"member_id":"1","score":"5"},7,null,{"x":1}]}`)
	f.Add(`{"scores":[{"member_id":1e400,"score":1e400}]}`)
	f.Add(`{"scores":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		var in ScoresInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		fe := in.check()
		if _, whole := fe["scores"]; whole {
			return
		}
		for k, v := range fe {
			if v == "" || (k != "scores" && !strings.HasPrefix(k, "scores[")) {
				t.Fatalf("field %q: %q", k, v)
			}
		}
		for i, e := range in.Scores {
			if _, bad := fe["scores["+strconv.Itoa(i)+"]"]; !bad && e.problem != "" {
				t.Fatalf("entry %d has problem %q but is not reported", i, e.problem)
			}
		}
	})
}

// TestExamScores: the scores by member equal ExamDetail's, for everyone
// and for one member at a time; a member without a score, or an id that
// cannot exist, gets an empty map; an unknown exam is not found.
func TestExamScores(t *testing.T) {
	o := newOrg(t)
	det, err := o.s.ExamDetail(o.E2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, sc := range det.Scores {
		want[sc.MemberID] = sc.Score
	}
	if len(want) == 0 {
		t.Fatal("the fixture's exam has no scores")
	}
	all, err := o.s.ExamScores(o.E2, "")
	if err != nil || !reflect.DeepEqual(all, want) {
		t.Errorf("all scores %v %v, want %v", all, err, want)
	}
	for _, tc := range []struct {
		member string
		want   map[string]float64
	}{
		{o.a1.ID, map[string]float64{o.a1.ID: want[o.a1.ID]}},
		{o.b1.ID, map[string]float64{}},
		{"x", map[string]float64{}},
	} {
		if _, ok := want[tc.member]; !ok && len(tc.want) == 1 {
			t.Fatalf("%s has no score in the fixture", tc.member)
		}
		got, err := o.s.ExamScores(o.E2, tc.member)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("member %s: %v %v, want %v", tc.member, got, err, tc.want)
		}
	}
	if _, err := o.s.ExamScores("777", ""); ErrorKind(err) != KindNotFound {
		t.Errorf("unknown exam: %v", err)
	}
}
