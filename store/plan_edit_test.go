package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// planEditOrg is newAttOrg with a 2023Q3 plan for 第一支部: a session item
// attached to the (held) session of 2023-09-01, a session item attached to
// a later session, a free session item, and two self-study items, one
// marked done by m1.
type planEditOrg struct {
	*attOrg
	plan                              *Plan
	heldItem, laterItem, free, s1, s2 string
	laterSession                      string
}

func newPlanEditOrg(t *testing.T) *planEditOrg {
	t.Helper()
	o := &planEditOrg{attOrg: newAttOrg(t)}
	p, err := o.s.CreatePlan(o.ctxLead, PlanInput{GroupID: o.g1, Period: "2023Q3", Title: "三季度计划", Items: []PlanItemInput{
		{Title: "讲话"}, {Title: "文件"}, {Title: "条例"}, {Title: "党章", DueOn: "2023-09-20"}, {Title: "准则", DueOn: "2023-09-25"}}})
	if err != nil {
		t.Fatal(err)
	}
	o.plan = p
	o.heldItem, o.laterItem, o.free, o.s1, o.s2 = p.Items[0].ID, p.Items[1].ID, p.Items[2].ID, p.Items[3].ID, p.Items[4].ID
	if _, err := o.s.SetSessionItems(o.ctxLead, o.sessionID, SessionItemsInput{ItemIDs: []string{o.heldItem}}); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2023, 9, 15, 10, 0, 0, 0, DefaultLocation())
	o.laterSession = o.newSession(t, o.g1, later, later.Add(time.Hour))
	if _, err := o.s.SetSessionItems(o.ctxLead, o.laterSession, SessionItemsInput{ItemIDs: []string{o.laterItem}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.MarkItemDone(o.ctxM1, o.m1.ID, p.ID, o.s1); err != nil {
		t.Fatal(err)
	}
	o.clock.Set(time.Date(2023, 9, 2, 9, 0, 0, 0, DefaultLocation())) // the first session is held
	return o
}

func TestEditPlan(t *testing.T) {
	type check func(t *testing.T, o *planEditOrg, p *Plan)
	cases := []struct {
		name  string
		actor func(o *planEditOrg) context.Context
		patch func(o *planEditOrg) PlanPatch
		code  string // "" = accepted
		check check
	}{
		{"title and item changes", nil, func(o *planEditOrg) PlanPatch {
			return PlanPatch{Title: strp(" 新计划 "), Items: []PlanItemChange{{ID: o.free, Title: strp("条例（修订）"), DueOn: strp("2023-09-28")}, {ID: o.s2, DueOn: strp("")}}}
		}, "", func(t *testing.T, o *planEditOrg, p *Plan) {
			if p.Title != "新计划" || p.Items[2].Title != "条例（修订）" || p.Items[2].DueOn != "2023-09-28" || p.Items[4].DueOn != "" {
				t.Errorf("plan %+v", p)
			}
			if it, _ := o.s.Item(o.free); it.DueOn != "2023-09-28" {
				t.Errorf("item bucket not updated: %+v", it)
			}
		}},
		{"add items", nil, func(o *planEditOrg) PlanPatch {
			return PlanPatch{AddItems: []PlanItemInput{{Title: "新篇", DueOn: "2023-09-29"}}}
		}, "", func(t *testing.T, o *planEditOrg, p *Plan) {
			if len(p.Items) != 6 || p.Items[5].Title != "新篇" || p.Items[5].ID == "" {
				t.Fatalf("items %+v", p.Items)
			}
			if _, err := o.s.MarkItemDone(o.ctxM1, o.m1.ID, p.ID, p.Items[5].ID); err != nil {
				t.Errorf("new item cannot be marked done: %v", err)
			}
		}},
		{"remove a free item", nil, func(o *planEditOrg) PlanPatch { return PlanPatch{RemoveItems: []string{o.free}} }, "",
			func(t *testing.T, o *planEditOrg, p *Plan) {
				if len(p.Items) != 4 {
					t.Errorf("items %+v", p.Items)
				}
				if _, err := o.s.Item(o.free); ErrorKind(err) != KindNotFound {
					t.Errorf("item still stored: %v", err)
				}
			}},
		{"remove an item of a later session detaches it", nil, func(o *planEditOrg) PlanPatch { return PlanPatch{RemoveItems: []string{o.laterItem}} }, "",
			func(t *testing.T, o *planEditOrg, p *Plan) {
				if sess, _ := o.s.Session(o.laterSession); len(sess.ItemIDs) != 0 {
					t.Errorf("session still lists %v", sess.ItemIDs)
				}
			}},
		{"remove an item with done marks", nil, func(o *planEditOrg) PlanPatch { return PlanPatch{RemoveItems: []string{o.s1}} }, "item_has_done", nil},
		{"done item stops being self-study", nil, func(o *planEditOrg) PlanPatch {
			return PlanPatch{Items: []PlanItemChange{{ID: o.s1, DueOn: strp("")}}}
		}, "item_has_done", nil},
		{"done item moves its date", nil, func(o *planEditOrg) PlanPatch {
			return PlanPatch{Items: []PlanItemChange{{ID: o.s1, DueOn: strp("2023-09-21")}}}
		}, "", nil},
		{"remove an item of a held session", nil, func(o *planEditOrg) PlanPatch { return PlanPatch{RemoveItems: []string{o.heldItem}} }, "item_in_held_session", nil},
		{"item of another plan", nil, func(o *planEditOrg) PlanPatch { return PlanPatch{RemoveItems: []string{"99999"}} }, "invalid", nil},
		{"nothing to change", nil, func(o *planEditOrg) PlanPatch { return PlanPatch{} }, "invalid", nil},
		{"bad due date", nil, func(o *planEditOrg) PlanPatch {
			return PlanPatch{Items: []PlanItemChange{{ID: o.free, DueOn: strp("2023-02-30")}}}
		}, "invalid", nil},
		{"changed and removed", nil, func(o *planEditOrg) PlanPatch {
			return PlanPatch{Items: []PlanItemChange{{ID: o.free, Title: strp("x")}}, RemoveItems: []string{o.free}}
		}, "invalid", nil},
		{"member", func(o *planEditOrg) context.Context { return o.ctxM1 }, func(o *planEditOrg) PlanPatch { return PlanPatch{Title: strp("x")} }, "forbidden", nil},
		{"lead of another branch", func(o *planEditOrg) context.Context {
			l := mustMember(t, o.s, "lead2", o.g2, RoleLead, "2020-01-01")
			return WithActor(context.Background(), l.ID)
		}, func(o *planEditOrg) PlanPatch { return PlanPatch{Title: strp("x")} }, "forbidden", nil},
		{"lead above", func(o *planEditOrg) context.Context { return WithActor(context.Background(), o.topLead.ID) },
			func(o *planEditOrg) PlanPatch { return PlanPatch{Title: strp("上级改")} }, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := newPlanEditOrg(t)
			ctx := o.ctxLead
			if c.actor != nil {
				ctx = c.actor(o)
			}
			before, _ := o.s.Plan(o.plan.ID)
			p, err := o.s.EditPlan(ctx, o.plan.ID, c.patch(o))
			if c.code != "" {
				if e, ok := err.(*Error); !ok || e.Code != c.code {
					t.Fatalf("err %v, want %s", err, c.code)
				}
				if after, _ := o.s.Plan(o.plan.ID); !jsonEqual(before, after) {
					t.Errorf("refused edit changed the plan: %+v", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := o.s.Plan(o.plan.ID)
			if !jsonEqual(p, stored) {
				t.Errorf("answer %+v, stored %+v", p, stored)
			}
			entries, err := o.s.Audit(AuditFilter{Entity: "plan", EntityID: o.plan.ID})
			if err != nil || len(entries) == 0 || entries[0].Action != "update" {
				t.Errorf("not audited: %v %+v", err, entries)
			}
			if c.check != nil {
				c.check(t, o, p)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// An open period's completion rate follows a plan edit; a locked one keeps
// its frozen figures even after an admin's edit, and a lead is refused.
func TestEditPlanRatesAndLock(t *testing.T) {
	o := newPlanEditOrg(t)
	q3, _ := ParsePeriod("2023Q3", o.s.Location())
	o.clock.Set(time.Date(2023, 10, 2, 9, 0, 0, 0, DefaultLocation()))
	rate := func() string {
		r, err := o.s.Rates(q3, o.g1, DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(r)
		return string(b)
	}
	open := rate()
	if _, err := o.s.EditPlan(o.ctxLead, o.plan.ID, PlanPatch{RemoveItems: []string{o.s2}}); err != nil {
		t.Fatal(err)
	}
	changed := rate()
	if changed == open {
		t.Fatal("removing a due self-study item left the open period's rates unchanged")
	}
	if _, err := o.s.LockPeriod(admin, "2023Q3"); err != nil {
		t.Fatal(err)
	}
	frozen := rate()
	_, err := o.s.EditPlan(o.ctxLead, o.plan.ID, PlanPatch{AddItems: []PlanItemInput{{Title: "补", DueOn: "2023-09-10"}}})
	if e, ok := err.(*Error); !ok || e.Code != "period_locked" {
		t.Fatalf("lead in a locked period: %v", err)
	}
	adm := WithActor(context.Background(), mustMember(t, o.s, "adm", o.root, RoleAdmin, "2020-01-01").ID)
	if _, err := o.s.EditPlan(adm, o.plan.ID, PlanPatch{AddItems: []PlanItemInput{{Title: "补", DueOn: "2023-09-10"}}}); err != nil {
		t.Fatalf("admin: %v", err)
	}
	if got := rate(); got != frozen {
		t.Errorf("locked period's figures moved:\n%s\n%s", frozen, got)
	}
	if _, err := o.s.SetSessionItems(o.ctxLead, o.laterSession, SessionItemsInput{ItemIDs: []string{o.free}}); err == nil {
		t.Error("attach in a locked period accepted")
	}
}

func TestSetSessionItems(t *testing.T) {
	cases := []struct {
		name  string
		actor func(o *planEditOrg) context.Context
		sess  func(o *planEditOrg) string
		ids   func(o *planEditOrg) []string
		code  string
	}{
		{"attach to an upcoming session", nil, nil, func(o *planEditOrg) []string { return []string{o.laterItem, o.free} }, ""},
		{"empty list", nil, nil, func(o *planEditOrg) []string { return []string{} }, ""},
		{"held session", nil, func(o *planEditOrg) string { return o.sessionID }, func(o *planEditOrg) []string { return []string{o.free} }, "session_held"},
		{"unknown item", nil, nil, func(o *planEditOrg) []string { return []string{"9999"} }, "invalid"},
		{"bad id", nil, nil, func(o *planEditOrg) []string { return []string{"x"} }, "invalid"},
		{"twice", nil, nil, func(o *planEditOrg) []string { return []string{o.free, o.free} }, "invalid"},
		{"plan of a group not covering the session", nil, nil, func(o *planEditOrg) []string {
			p, err := o.s.CreatePlan(admin, PlanInput{GroupID: o.g2, Period: "2023Q3", Title: "二支部", Items: []PlanItemInput{{Title: "x"}}})
			if err != nil {
				panic(err)
			}
			return []string{p.Items[0].ID}
		}, "invalid"},
		{"member", func(o *planEditOrg) context.Context { return o.ctxM1 }, nil, func(o *planEditOrg) []string { return []string{o.free} }, "forbidden"},
		{"lead of another branch", func(o *planEditOrg) context.Context {
			l := mustMember(t, o.s, "lead2", o.g2, RoleLead, "2020-01-01")
			return WithActor(context.Background(), l.ID)
		}, nil, func(o *planEditOrg) []string { return []string{o.free} }, "forbidden"},
		{"unknown session", nil, func(o *planEditOrg) string { return "9999" }, func(o *planEditOrg) []string { return []string{o.free} }, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := newPlanEditOrg(t)
			ctx, sid := o.ctxLead, o.laterSession
			if c.actor != nil {
				ctx = c.actor(o)
			}
			if c.sess != nil {
				sid = c.sess(o)
			}
			ids := c.ids(o)
			sess, err := o.s.SetSessionItems(ctx, sid, SessionItemsInput{ItemIDs: ids})
			if c.code != "" {
				if e, ok := err.(*Error); !ok || e.Code != c.code {
					t.Fatalf("err %v, want %s", err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := o.s.Session(sid)
			if !jsonEqual(stored.ItemIDs, ids) || !jsonEqual(sess.ItemIDs, ids) {
				t.Errorf("items %v / %v, want %v", sess.ItemIDs, stored.ItemIDs, ids)
			}
			entries, _ := o.s.Audit(AuditFilter{Entity: "session", EntityID: sid})
			if len(entries) == 0 || entries[0].Action != "update" {
				t.Errorf("not audited: %+v", entries)
			}
		})
	}
	o := newPlanEditOrg(t)
	if _, err := o.s.CancelSession(o.ctxLead, o.laterSession); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.SetSessionItems(o.ctxLead, o.laterSession, SessionItemsInput{ItemIDs: []string{o.free}}); err == nil || err.(*Error).Code != "session_cancelled" {
		t.Errorf("cancelled: %v", err)
	}
}
