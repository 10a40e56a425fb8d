package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestPlanInputValidate(t *testing.T) {
	long := strings.Repeat("学", maxTitleLen+1)
	cases := []struct {
		name  string
		in    PlanInput
		field string // "" = valid
	}{
		{"OK", PlanInput{GroupID: "1", Period: "2023Q3", Title: "三季度计划", Items: []PlanItemInput{{Title: "讲话"}, {Title: "文件", DueOn: "2023-09-30"}}}, ""},
		{"OK no items, lower-case quarter", PlanInput{GroupID: "1", Period: "2023q3", Title: "计划"}, ""},
		{"OK year", PlanInput{GroupID: "1", Period: "2023", Title: "计划"}, ""},
		{"no group", PlanInput{Period: "2023", Title: "计划"}, "group_id"},
		{"no period", PlanInput{GroupID: "1", Title: "计划"}, "period"},
		{"bad period", PlanInput{GroupID: "1", Period: "2023Q5", Title: "计划"}, "period"},
		{"no title", PlanInput{GroupID: "1", Period: "2023", Title: "  "}, "title"},
		{"long title", PlanInput{GroupID: "1", Period: "2023", Title: long}, "title"},
		{"two-line title", PlanInput{GroupID: "1", Period: "2023", Title: "a\nb"}, "title"},
		{"control character", PlanInput{GroupID: "1", Period: "2023", Title: "a\x00b"}, "title"},
		{"item without title", PlanInput{GroupID: "1", Period: "2023", Title: "计划", Items: []PlanItemInput{{Title: "a"}, {Title: ""}}}, "items[1].title"},
		{"item bad due date", PlanInput{GroupID: "1", Period: "2023", Title: "计划", Items: []PlanItemInput{{Title: "a", DueOn: "2023-02-30"}}}, "items[0].due_on"},
		{"too many items", PlanInput{GroupID: "1", Period: "2023", Title: "计划", Items: make([]PlanItemInput, maxPlanItems+1)}, "items"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.in.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Kind != KindInvalid || e.Fields[c.field] == "" {
				t.Fatalf("got %v (%+v), want a reason for %s", err, e, c.field)
			}
		})
	}
	in := PlanInput{GroupID: "1", Period: "2023q3", Title: " 计划 "}
	in.Validate()
	if in.Period != "2023Q3" || in.Title != "计划" {
		t.Errorf("not canonical: %+v", in)
	}
}

func FuzzPlanInputValidate(f *testing.F) {
	f.Add("1", "2023Q3", "计划", "讲话", "2023-09-30")
	f.Add("", "2023q1", "", "", "")
	f.Add("x", "1899", "a\nb", "\x00", "2023-13-01")
	f.Fuzz(func(t *testing.T, group, period, title, itemTitle, due string) {
		in := PlanInput{GroupID: group, Period: period, Title: title, Items: []PlanItemInput{{Title: itemTitle, DueOn: due}}}
		err := in.Validate()
		if err != nil {
			if !IsKind(err, KindInvalid) {
				t.Fatalf("error of kind %v", ErrorKind(err))
			}
			return
		}
		if _, perr := ParsePeriod(in.Period, time.UTC); perr != nil {
			t.Fatalf("accepted period %q", period)
		}
		if in.Title == "" || in.Items[0].Title == "" || (due != "" && !ValidDate(due)) {
			t.Fatalf("accepted %+v", in)
		}
	})
}

func TestCreatePlan(t *testing.T) {
	o := newAttOrg(t)
	p, err := o.s.CreatePlan(o.ctxLead, PlanInput{GroupID: o.g1, Period: "2023q3", Title: "三季度学习计划",
		Items: []PlanItemInput{{Title: "讲话精神"}, {Title: "党章第一章", DueOn: "2023-09-30"}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == "" || p.Period != "2023Q3" || len(p.Items) != 2 || p.CreatedBy != o.lead.ID {
		t.Fatalf("plan %+v", p)
	}
	for _, it := range p.Items {
		got, err := o.s.Item(it.ID)
		if err != nil || *got != it || got.PlanID != p.ID {
			t.Errorf("item %s by id: %+v %v", it.ID, got, err)
		}
	}
	if p.Items[0].ID == p.Items[1].ID {
		t.Error("items share an id")
	}
	again, err := o.s.Plan(p.ID)
	if err != nil || len(again.Items) != 2 || again.Title != p.Title {
		t.Errorf("Plan: %+v %v", again, err)
	}
	if es, _ := o.s.Audit(AuditFilter{Entity: "plan", EntityID: p.ID}); len(es) != 1 || es[0].Before != nil {
		t.Errorf("audit %+v", es)
	}
	// An unknown group is 422 and writes nothing.
	_, audits := o.counts(t)
	_, err = o.s.CreatePlan(o.ctxLead, PlanInput{GroupID: "999", Period: "2023", Title: "x", Items: []PlanItemInput{{Title: "a"}}})
	if e, ok := err.(*Error); !ok || e.Kind != KindInvalid || e.Fields["group_id"] == "" {
		t.Fatalf("unknown group: %v", err)
	}
	if _, a := o.counts(t); a != audits {
		t.Error("refused plan wrote an audit entry")
	}
	if _, err := o.s.Item("999"); !IsKind(err, KindNotFound) {
		t.Errorf("item 999: %v", err)
	}
	if _, err := o.s.Plan("abc"); !IsKind(err, KindNotFound) {
		t.Errorf("plan abc: %v", err)
	}
}

func TestPlans(t *testing.T) {
	o := newAttOrg(t)
	mk := func(group, period string) string {
		p, err := o.s.CreatePlan(admin, PlanInput{GroupID: group, Period: period, Title: "计划" + period})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	year := mk(o.root, "2023")
	q3 := mk(o.g1, "2023Q3")
	q4 := mk(o.g2, "2023Q4")
	old := mk(o.g1, "2022Q3")
	cases := []struct {
		name string
		f    PlanFilter
		want []string
	}{
		{"all", PlanFilter{}, []string{year, q3, q4, old}},
		{"quarter overlaps its year", PlanFilter{Period: "2023Q3"}, []string{year, q3}},
		{"year holds its quarters", PlanFilter{Period: "2023"}, []string{year, q3, q4}},
		{"groups", PlanFilter{GroupIDs: []string{o.g1}}, []string{q3, old}},
		{"groups and period", PlanFilter{GroupIDs: []string{o.g1, o.root}, Period: "2023q3"}, []string{year, q3}},
		{"no groups", PlanFilter{GroupIDs: []string{}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := o.s.Plans(c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.ID)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	if _, err := o.s.Plans(PlanFilter{Period: "2023Q9"}); !IsKind(err, KindInvalid) {
		t.Errorf("bad period: %v", err)
	}
}

func TestMarkItemDone(t *testing.T) {
	o := newAttOrg(t)
	p, err := o.s.CreatePlan(admin, PlanInput{GroupID: o.g1, Period: "2023Q3", Title: "计划",
		Items: []PlanItemInput{{Title: "会上学"}, {Title: "自学", DueOn: "2023-09-30"}}})
	if err != nil {
		t.Fatal(err)
	}
	rootPlan, err := o.s.CreatePlan(admin, PlanInput{GroupID: o.root, Period: "2023Q3", Title: "全委计划",
		Items: []PlanItemInput{{Title: "全委自学", DueOn: "2023-09-15"}}})
	if err != nil {
		t.Fatal(err)
	}
	session, self := p.Items[0].ID, p.Items[1].ID
	cases := []struct {
		name         string
		member       *Member
		plan, item   string
		kind         Kind
		code         string
		wantNewAudit bool
	}{
		{"OK", o.m1, p.ID, self, 0, "", true},
		{"again: idempotent", o.m1, p.ID, self, 0, "", false},
		{"subgroup member", o.m4, p.ID, self, 0, "", true},
		{"root plan reaches a branch member", o.m3, rootPlan.ID, rootPlan.Items[0].ID, 0, "", true},
		{"other branch", o.m3, p.ID, self, KindForbidden, "not_covered", false},
		{"session item", o.m1, p.ID, session, KindConflict, "not_self_study", false},
		{"item of another plan", o.m1, p.ID, rootPlan.Items[0].ID, KindNotFound, "not_found", false},
		{"unknown item", o.m1, p.ID, "999", KindNotFound, "not_found", false},
		{"unknown plan", o.m1, "999", self, KindNotFound, "not_found", false},
	}
	var firstAt time.Time
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Advance(time.Minute)
			_, audits := o.counts(t)
			ctx := WithActor(context.Background(), c.member.ID)
			d, err := o.s.MarkItemDone(ctx, c.member.ID, c.plan, c.item)
			if c.code != "" {
				wantCode(t, err, c.kind, c.code)
			} else if err != nil {
				t.Fatal(err)
			} else if d.ItemID != c.item || d.MemberID != c.member.ID {
				t.Errorf("got %+v", d)
			}
			if c.name == "OK" {
				firstAt = d.DoneAt
			}
			if c.name == "again: idempotent" && !d.DoneAt.Equal(firstAt) {
				t.Errorf("second mark moved the instant: %v vs %v", d.DoneAt, firstAt)
			}
			if _, a := o.counts(t); (a > audits) != c.wantNewAudit {
				t.Errorf("audit entries %d → %d", audits, a)
			}
		})
	}
	done, err := o.s.ItemsDone(o.m1.ID)
	if err != nil || len(done) != 1 || !done[self].Equal(firstAt) {
		t.Errorf("ItemsDone = %v, %v", done, err)
	}
}
