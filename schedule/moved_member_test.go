package schedule

import (
	"context"
	"testing"

	"studyroll/store"
)

// A member moved mid-quarter (effective_on back-dated into an open period)
// gets an appraisal listing the sessions and exams of the group they were
// in on each date, so its tally is the rates' own: 王芳 moves from 第一支部
// to 第二支部 on 08-20, so s1 (root, 07-10) and s2 (第一支部, 08-10) and s3
// (第二支部, 09-05) are hers, the 第一支部 exam of 09-20 is not.
func TestAppraisalOfMemberMovedMidQuarter(t *testing.T) {
	f := newFixture(t)
	wang := f.ids["王芳"]
	ctx := store.WithActor(context.Background(), f.admin.ID)
	eff := "2023-08-20"
	if _, err := f.s.UpdateMember(ctx, wang, store.MemberPatch{GroupID: &f.g2, EffectiveOn: &eff}); err != nil {
		t.Fatal(err)
	}
	p := q3(t)
	own, err := f.s.MemberRates(p, wang, f.s.Policy())
	if err != nil || len(own.Members) != 1 {
		t.Fatalf("rates of 王芳: %+v %v", own, err)
	}
	want := own.Members[0].Participation
	if want.Den != 3 {
		t.Fatalf("rates count %d sessions for 王芳, want 3 (s1, s2, s3)", want.Den)
	}
	for _, c := range []struct{ name, group, member string }{
		{"her own form", "", wang},
		{"everyone's forms", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := loadPeriod(f.s, p, c.group, c.member)
			if err != nil {
				t.Fatal(err)
			}
			in, ok, _ := d.memberAppraisal(wang, "zh")
			if !ok {
				t.Fatal("no appraisal for 王芳")
			}
			a := in.Attendance
			if a.Required != want.Den || a.Attended != want.Num || len(in.Sessions) != want.Den ||
				a.Required != a.Attended+a.Leave+a.Absent+a.Unrecorded {
				t.Errorf("form %+v with %d sessions, rates %d/%d", a, len(in.Sessions), want.Num, want.Den)
			}
			var titles []string
			for _, s := range in.Sessions {
				titles = append(titles, s.Title)
			}
			if len(titles) != 3 || titles[1] != "支部集中学习" || titles[2] != "第二支部集中学习" {
				t.Errorf("sessions %q, want s1, s2 (第一支部, before the move), s3 (第二支部)", titles)
			}
			if len(in.Exams) != 0 {
				t.Errorf("exams %+v: the 第一支部 exam of 09-20 came after her move", in.Exams)
			}
		})
	}
	t.Run("第一支部's forms count her until the move", func(t *testing.T) {
		r, err := f.s.Rates(p, f.g1, f.s.Policy())
		if err != nil {
			t.Fatal(err)
		}
		var row *store.MemberRate
		for i := range r.Members {
			if r.Members[i].MemberID == wang {
				row = &r.Members[i]
			}
		}
		d, err := loadPeriod(f.s, p, f.g1, "")
		if err != nil {
			t.Fatal(err)
		}
		in, ok, _ := d.memberAppraisal(wang, "zh")
		if row == nil || !ok {
			t.Fatalf("王芳 not in 第一支部's rates (%v) or forms (%v)", row != nil, ok)
		}
		if a := in.Attendance; a.Required != row.Participation.Den || a.Attended != row.Participation.Num || len(in.Sessions) != a.Required {
			t.Errorf("form %+v with %d sessions, 第一支部's rates %d/%d", a, len(in.Sessions), row.Participation.Num, row.Participation.Den)
		}
	})
}
