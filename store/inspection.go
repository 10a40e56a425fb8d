package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// 督查 — inspection and rectification. The organ's committee sends an
// inspection team (督查组) to its units: random questioning (随机抽查),
// site visits, interviews (座谈访谈), questionnaires (调研问卷) and records
// review. What they find (问题) is followed to its fix (整改) and closed
// (销号). The rules are in docs/INSPECTIONS.md.

// Inspection methods, as the API spells them.
const (
	MethodSpotCheck     = "spot_check"     // 随机抽查
	MethodSiteVisit     = "site_visit"     // 下沉走访
	MethodInterview     = "interview"      // 座谈访谈
	MethodQuestionnaire = "questionnaire"  // 调研问卷
	MethodRecordsReview = "records_review" // 查阅资料
)

// InspectionMethods lists the methods in the order forms print them.
var InspectionMethods = []string{MethodSpotCheck, MethodSiteVisit, MethodInterview, MethodQuestionnaire, MethodRecordsReview}

// Inspection is one inspection (督查): a team, dates and the groups it
// inspects. A target covers its whole subtree: draws, interviews and
// findings may name any group inside a target.
type Inspection struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	StartsOn       string    `json:"starts_on"`
	EndsOn         string    `json:"ends_on"`
	InspectorIDs   []string  `json:"inspector_ids"`
	TargetGroupIDs []string  `json:"target_group_ids"`
	Methods        []string  `json:"methods"`
	CreatedAt      time.Time `json:"created_at"`
	CreatedBy      string    `json:"created_by"`
}

// InspectionSummary is an inspection's figures as the press reports them
// ("对8个机关党组织、37个机关基层党支部，与61名党员、干部座谈了解和随机提问，
// 查找各类问题38个"):
//   - Organisations: distinct committee groups among the targets;
//   - Branches: distinct branches with any questioning, interview or
//     finding (a member's or group's branch is the nearest branch at or
//     above it);
//   - People: distinct members drawn for questioning or interviewed;
//   - Problems: findings; Rectified: findings closed (销号);
//   - Overdue: findings past their deadline and not closed.
type InspectionSummary struct {
	Organisations int `json:"organisations"`
	Branches      int `json:"branches"`
	People        int `json:"people"`
	Problems      int `json:"problems"`
	Rectified     int `json:"rectified"`
	Overdue       int `json:"overdue"`
}

// InspectionView is an inspection with its status (planned, in_progress,
// finished — by its dates and the store's clock), figures and 知晓率.
type InspectionView struct {
	Inspection
	Status    string            `json:"status"`
	Summary   InspectionSummary `json:"summary"`
	Awareness Awareness         `json:"awareness"`
}

// InspectionInput is the body of POST /inspections.
type InspectionInput struct {
	Title          string   `json:"title"`
	StartsOn       string   `json:"starts_on"`
	EndsOn         string   `json:"ends_on"`
	InspectorIDs   []string `json:"inspector_ids"`
	TargetGroupIDs []string `json:"target_group_ids"`
	Methods        []string `json:"methods"`
}

// Validate checks the input without the store.
func (in *InspectionInput) Validate() error {
	fe := FieldErrors{}
	in.Title = strings.TrimSpace(in.Title)
	vetTitle(fe, "title", in.Title)
	if !ValidDate(in.StartsOn) {
		fe.Add("starts_on", "a date YYYY-MM-DD")
	}
	if !ValidDate(in.EndsOn) {
		fe.Add("ends_on", "a date YYYY-MM-DD")
	} else if ValidDate(in.StartsOn) && in.EndsOn < in.StartsOn {
		fe.Add("ends_on", "on or after starts_on")
	}
	if len(in.TargetGroupIDs) == 0 {
		fe.Add("target_group_ids", "at least one group")
	} else if hasDup(in.TargetGroupIDs) {
		fe.Add("target_group_ids", "a group is listed twice")
	}
	if hasDup(in.InspectorIDs) {
		fe.Add("inspector_ids", "a member is listed twice")
	}
	if in.Methods == nil {
		in.Methods = []string{}
	}
	for _, m := range in.Methods {
		if !slices.Contains(InspectionMethods, m) {
			fe.Add("methods", fmt.Sprintf("%q is not one of %s", m, strings.Join(InspectionMethods, ", ")))
		}
	}
	if hasDup(in.Methods) {
		fe.Add("methods", "a method is listed twice")
	}
	return fe.Err()
}

func hasDup(xs []string) bool {
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

// mayInspect reports whether a member of role r may be on an inspection
// team and write its records.
func mayInspect(r Role) bool { return r == RoleInspector || r == RoleHR || r == RoleAdmin }

// CreateInspection adds an inspection. Every inspector must be an
// inspector, hr or admin account; an inspector who creates it is on the team.
func (s *Store) CreateInspection(ctx context.Context, in InspectionInput) (*Inspection, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Inspection
	err := s.update(func(tx *bolt.Tx) error {
		by, err := getMember(tx, ActorFrom(ctx))
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		fe := FieldErrors{}
		for _, g := range in.TargetGroupIDs {
			if _, ok := t.Group(g); !ok {
				fe.Add("target_group_ids", fmt.Sprintf("no group %q", g))
			}
		}
		ids := slices.Clone(in.InspectorIDs)
		if by.Role == RoleInspector && !slices.Contains(ids, by.ID) {
			ids = append(ids, by.ID)
		}
		for _, id := range ids {
			m, err := getMember(tx, id)
			if err != nil {
				fe.Add("inspector_ids", fmt.Sprintf("no member %q", id))
			} else if !mayInspect(m.Role) {
				fe.Add("inspector_ids", fmt.Sprintf("%s is a %s: an inspection team takes inspector, hr or admin accounts", m.Name, m.Role))
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		b := tx.Bucket(bucketInspections)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		out = &Inspection{ID: id, Title: in.Title, StartsOn: in.StartsOn, EndsOn: in.EndsOn, InspectorIDs: ids,
			TargetGroupIDs: in.TargetGroupIDs, Methods: in.Methods, CreatedAt: s.now().UTC(), CreatedBy: by.ID}
		if err := putJSON(b, key, out); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "inspection", id, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getInspection(tx *bolt.Tx, id string) (*Inspection, error) {
	return getByID[Inspection](tx.Bucket(bucketInspections), "inspection", id)
}

// covers reports whether group g lies inside one of the inspection's
// targets.
func (in *Inspection) covers(t *Tree, g string) bool {
	for _, target := range in.TargetGroupIDs {
		if t.Covers(target, g) {
			return true
		}
	}
	return false
}

// inspectionStatus is planned before starts_on, finished after ends_on,
// in_progress between.
func inspectionStatus(in *Inspection, today string) string {
	switch {
	case today < in.StartsOn:
		return "planned"
	case today > in.EndsOn:
		return "finished"
	}
	return "in_progress"
}

// Inspection returns one inspection with its figures.
func (s *Store) Inspection(id string) (*InspectionView, error) {
	var out *InspectionView
	err := s.view(func(tx *bolt.Tx) error {
		in, err := getInspection(tx, id)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		out, err = s.inspectionView(tx, t, in)
		return err
	})
	return out, err
}

// Inspections lists inspections, newest first; visible filters them.
func (s *Store) Inspections(visible func(t *Tree, in *Inspection) bool) ([]InspectionView, error) {
	out := []InspectionView{}
	err := s.view(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketInspections).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var in Inspection
			if err := json.Unmarshal(v, &in); err != nil {
				return err
			}
			if visible != nil && !visible(t, &in) {
				continue
			}
			iv, err := s.inspectionView(tx, t, &in)
			if err != nil {
				return err
			}
			out = append(out, *iv)
		}
		return nil
	})
	return out, err
}

func (s *Store) inspectionView(tx *bolt.Tx, t *Tree, in *Inspection) (*InspectionView, error) {
	d, err := s.loadInspectionData(tx, in.ID)
	if err != nil {
		return nil, err
	}
	ms, err := memberIndex(tx)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	return &InspectionView{Inspection: *in, Status: inspectionStatus(in, today),
		Summary: d.summary(t, in, ms, today), Awareness: d.awareness()}, nil
}

// inspectionData is everything recorded under one inspection.
type inspectionData struct {
	draws      []Draw
	interviews []Interview
	findings   []Finding
}

func (s *Store) loadInspectionData(tx *bolt.Tx, inspectionID string) (*inspectionData, error) {
	key, ok := idKey(inspectionID)
	if !ok {
		return nil, NotFound("inspection", inspectionID)
	}
	d := &inspectionData{}
	if err := eachPrefix(tx.Bucket(bucketDraws), key, func(_, v []byte) error {
		var x Draw
		err := json.Unmarshal(v, &x)
		d.draws = append(d.draws, x)
		return err
	}); err != nil {
		return nil, err
	}
	if err := eachPrefix(tx.Bucket(bucketInterviews), key, func(_, v []byte) error {
		var x Interview
		err := json.Unmarshal(v, &x)
		d.interviews = append(d.interviews, x)
		return err
	}); err != nil {
		return nil, err
	}
	err := tx.Bucket(bucketFindings).ForEach(func(k, v []byte) error {
		var f Finding
		if err := json.Unmarshal(v, &f); err != nil {
			return err
		}
		if f.InspectionID == inspectionID {
			d.findings = append(d.findings, f)
		}
		return nil
	})
	return d, err
}

func memberIndex(tx *bolt.Tx) (map[string]Member, error) {
	ms, err := loadMembers(tx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Member, len(ms))
	for _, m := range ms {
		out[m.ID] = m
	}
	return out, nil
}

func (d *inspectionData) summary(t *Tree, in *Inspection, ms map[string]Member, today string) InspectionSummary {
	return d.summaryWithin(t, in, ms, today, "")
}

// summaryWithin counts the figures of what lies in group within's subtree
// ("" for the whole inspection).
func (d *inspectionData) summaryWithin(t *Tree, in *Inspection, ms map[string]Member, today, within string) InspectionSummary {
	var sum InspectionSummary
	inside := func(g string) bool { return within == "" || (g != "" && t.Covers(within, g)) }
	orgs := map[string]bool{}
	for _, g := range in.TargetGroupIDs {
		if groupType(t, g) == GroupCommittee && inside(g) {
			orgs[g] = true
		}
	}
	branches := map[string]bool{}
	people := map[string]bool{}
	addBranch := func(g string) {
		if b := branchOf(t, g); b != "" {
			branches[b] = true
		}
	}
	addPerson := func(id string) {
		m, ok := ms[id]
		if within != "" && (!ok || !inside(m.GroupID)) {
			return
		}
		people[id] = true
		if ok {
			addBranch(m.GroupID)
		}
	}
	for _, dr := range d.draws {
		for _, p := range dr.Pairs {
			addPerson(p.MemberID)
		}
	}
	for _, iv := range d.interviews {
		for _, id := range iv.MemberIDs {
			addPerson(id)
		}
	}
	for _, f := range d.findings {
		if !inside(f.GroupID) {
			continue
		}
		addBranch(f.GroupID)
		sum.Problems++
		if f.State == FindingClosed {
			sum.Rectified++
		}
		if f.overdue(today) {
			sum.Overdue++
		}
	}
	sum.Organisations, sum.Branches, sum.People = len(orgs), len(branches), len(people)
	return sum
}

// groupType is the stored type of group g (committee, branch, party_group,
// other; see meeting.go).
func groupType(t *Tree, g string) string {
	gr, _ := t.Group(g)
	return gr.Type
}

// branchOf is the nearest branch at or above g, "" when none.
func branchOf(t *Tree, g string) string {
	for _, a := range t.Ancestors(g) {
		if groupType(t, a) == GroupBranch {
			return a
		}
	}
	return ""
}

// sortByTree orders group ids in tree order: each group before its
// children, siblings in their order.
func sortByTree(t *Tree, ids []string) {
	pos := map[string]int{}
	var walk func(id string)
	walk = func(id string) {
		pos[id] = len(pos)
		for _, c := range t.Children(id) {
			walk(c)
		}
	}
	for _, r := range t.Roots() {
		walk(r)
	}
	sort.SliceStable(ids, func(i, j int) bool { return pos[ids[i]] < pos[ids[j]] })
}

// TargetBreakdown is one target group's share of an inspection.
type TargetBreakdown struct {
	GroupID   string            `json:"group_id"`
	Name      string            `json:"name"`
	Summary   InspectionSummary `json:"summary"`
	Awareness Awareness         `json:"awareness"`
}

// InspectionReport is what the report PDF and the ledger XLSX print.
type InspectionReport struct {
	InspectionView
	Organisation string            `json:"organisation"` // the root group's name
	Inspectors   []Member          `json:"inspectors"`
	Targets      []TargetBreakdown `json:"targets"`
	Findings     []Finding         `json:"findings"`
	Tree         *Tree             `json:"-"`
	Members      map[string]Member `json:"-"`
}

// InspectionReport gathers an inspection's report: figures, a breakdown per
// target (in tree order), the findings in ledger order.
func (s *Store) InspectionReport(id string) (*InspectionReport, error) {
	var out *InspectionReport
	err := s.view(func(tx *bolt.Tx) error {
		in, err := getInspection(tx, id)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		iv, err := s.inspectionView(tx, t, in)
		if err != nil {
			return err
		}
		d, err := s.loadInspectionData(tx, id)
		if err != nil {
			return err
		}
		ms, err := memberIndex(tx)
		if err != nil {
			return err
		}
		out = &InspectionReport{InspectionView: *iv, Tree: t, Members: ms}
		if roots := t.Roots(); len(roots) > 0 {
			if anc := t.Ancestors(in.TargetGroupIDs[0]); len(anc) > 0 {
				g, _ := t.Group(anc[len(anc)-1])
				out.Organisation = g.Name
			}
		}
		for _, mid := range in.InspectorIDs {
			if m, ok := ms[mid]; ok {
				out.Inspectors = append(out.Inspectors, m)
			}
		}
		byTarget, _ := d.awarenessByGroup(t, in, ms)
		aw := map[string]Awareness{}
		for _, a := range byTarget {
			aw[a.GroupID] = a.Awareness
		}
		targets := slices.Clone(in.TargetGroupIDs)
		sortByTree(t, targets)
		today := s.Today()
		for _, g := range targets {
			gr, _ := t.Group(g)
			out.Targets = append(out.Targets, TargetBreakdown{GroupID: g, Name: gr.Name, Summary: d.summaryWithin(t, in, ms, today, g), Awareness: aw[g]})
		}
		out.Findings = d.findings
		for i := range out.Findings {
			out.Findings[i].Overdue = out.Findings[i].overdue(today)
		}
		sortFindings(t, out.Findings)
		return nil
	})
	return out, err
}
