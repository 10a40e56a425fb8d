package store

import (
	"context"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Scope: who may see and change which records. Every rule lives in this
// file, once; handlers and store functions call these and nothing else.
// Writes check them inside the bbolt transaction of the write (actorTx,
// mayManage, ...), so a role or group change between check and write
// cannot slip through. docs/SECURITY.md lists the rules in prose; each has
// a table-driven test in scope_test.go.
//
// The rules, on a tree of groups:
//
//	ManagesGroup   admin: every group; lead: their own group's subtree.
//	ReadsGroup     hr, admin, inspector: every group; lead: their
//	               subtree and its ancestors; anyone else: their own group
//	               and its ancestors (what targets them).
//	SeesMember     hr, admin, inspector, secadmin: everyone; lead: self
//	               and their subtree; anyone else: self.
//	ScoresMember   who enters a member's exam score: a manager of the
//	               exam's group; or a lead of a group under it, for the
//	               members of their own subtree.
//	SeesAuthor     learning reports: hr, admin, inspector everyone; a lead
//	               self and their subtree; anyone else self.
//	SeesReportFile appraisal files: hr, admin, inspector all; a lead the
//	               files of their subtree's groups and members; anyone else
//	               their own member files.
//	mayRectify     a finding moves forward by its responsible member or a
//	               manager of its group.
//	writableBy     an inspection's records are written by hr, admin, or an
//	               inspector on its team; inspectors otherwise only read.
//	ownRecord      nobody changes their own attendance, make-up, leave
//	               decision, exam score or report grade.
//
// The "system" actor (the command line, scheduled jobs, the demo) has no
// account and is trusted: every HTTP request carries its account's id
// (WithActor in the authentication middleware), never "system".

// ManagesGroup reports whether by may manage records of group g (plans,
// sessions, attendance, leave, make-ups, exams, rotation, minutes, robots,
// grades): an admin anything, a lead their own group's subtree.
func ManagesGroup(t *Tree, by *Member, g string) bool {
	if by == nil {
		return false
	}
	if by.Role == RoleAdmin {
		return true
	}
	return by.Role == RoleLead && by.GroupID != "" && g != "" && t.Covers(by.GroupID, g)
}

// ReadsGroup reports whether by may read things (plans, sessions, exams,
// minutes) that target group g: hr, admin and inspector everything; a lead
// what targets their subtree or one of their group's ancestors; anyone
// else what targets their group or an ancestor of it.
func ReadsGroup(t *Tree, by *Member, g string) bool {
	switch {
	case by == nil:
		return false
	case by.Role.ReadsAll():
		return true
	case by.GroupID == "" || g == "":
		return false
	case by.Role == RoleLead:
		return t.Covers(by.GroupID, g) || t.Covers(g, by.GroupID)
	}
	return t.Covers(g, by.GroupID)
}

// SeesMember reports whether by may see member m's record and figures: hr,
// admin, inspector and the security admin (accounts) everyone; a lead
// themselves and their subtree; anyone else themselves.
func SeesMember(t *Tree, by, m *Member) bool {
	switch {
	case by == nil || m == nil:
		return false
	case by.ID == m.ID:
		return true
	case by.Role.ReadsAll(), by.Role == RoleSecAdmin:
		return true
	case by.Role == RoleLead:
		return by.GroupID != "" && m.GroupID != "" && t.Covers(by.GroupID, m.GroupID)
	}
	return false
}

// SeesAuthor reports whether by may read the learning reports of m: hr,
// admin and inspector everyone; a lead themselves and their subtree;
// anyone else themselves. (The security admin manages accounts, not
// reports.)
func SeesAuthor(t *Tree, by, m *Member) bool {
	if by != nil && by.Role == RoleSecAdmin && (m == nil || by.ID != m.ID) {
		return false
	}
	return SeesMember(t, by, m)
}

// ScoresMember reports whether by may enter member m's score in an exam
// held for group examGroup: a manager of examGroup for anyone; a lead of a
// group below examGroup (an organisation-wide test) only for the members
// of their own subtree.
func ScoresMember(t *Tree, by *Member, examGroup string, m *Member) bool {
	if ManagesGroup(t, by, examGroup) {
		return true
	}
	return LeadsBelow(t, by, examGroup) && m != nil && m.GroupID != "" && t.Covers(by.GroupID, m.GroupID)
}

// LeadsBelow reports whether by is a lead of a group strictly under g:
// they enter scores of g's exams for their own subtree only.
func LeadsBelow(t *Tree, by *Member, g string) bool {
	return by != nil && by.Role == RoleLead && by.GroupID != "" && by.GroupID != g && t.Covers(g, by.GroupID)
}

// actor is the account a write is done for, loaded in the write's
// transaction with the group tree. m is nil for the system.
type actor struct {
	m *Member
	t *Tree
}

// actorTx loads the context's actor and the tree inside tx. An account
// that no longer exists is refused (403).
func actorTx(ctx context.Context, tx *bolt.Tx) (*actor, error) {
	t, err := loadTree(tx)
	if err != nil {
		return nil, err
	}
	id := ActorFrom(ctx)
	if id == "system" {
		return &actor{t: t}, nil
	}
	m, err := getMember(tx, id)
	if IsKind(err, KindNotFound) {
		return nil, Forbidden("the acting account %q does not exist", id)
	} else if err != nil {
		return nil, err
	}
	return &actor{m: m, t: t}, nil
}

// manages refuses (403) a write on records of group g unless the actor
// manages g (ManagesGroup) or is the system. what names the records.
func (a *actor) manages(g, what string) error {
	if a.m == nil || ManagesGroup(a.t, a.m, g) {
		return nil
	}
	return Forbidden("only a lead of this group or above, or an admin, may change its %s", what)
}

// mayManage loads the actor in tx and checks ManagesGroup for group g.
func mayManage(ctx context.Context, tx *bolt.Tx, g, what string) (*actor, error) {
	a, err := actorTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	return a, a.manages(g, what)
}

// managedGroupTx loads the tree and checks that group g exists (404) and
// that by may manage it (403), inside the caller's transaction.
func managedGroupTx(tx *bolt.Tx, by *Member, g, what string) (*Tree, error) {
	t, err := loadTree(tx)
	if err != nil {
		return nil, err
	}
	if _, ok := t.Group(g); !ok {
		return nil, NotFound("group", g)
	}
	return t, manageCheck(t, by, g, what)
}

// manageCheck is ManagesGroup as an error (403) for a caller passing the
// acting member itself, with the tree of its transaction.
func manageCheck(t *Tree, by *Member, g, what string) error {
	if !ManagesGroup(t, by, g) {
		return Forbidden("only a lead of this group or above, or an admin, may change its %s", what)
	}
	return nil
}

// ownRecord refuses a write by the actor on their own record: a lead does
// not mark their own attendance, record their own make-up, decide their own
// leave, enter their own exam score or grade their own report — another
// lead over the group, or an admin, does.
func ownRecord(ctx context.Context, memberID string) error {
	if a := ActorFrom(ctx); a != "" && a == memberID {
		return Errorf(KindForbidden, "own_record", "you may not change your own record: another lead over your group or an admin does it")
	}
	return nil
}

// reportScope returns which authors by may see learning reports of
// (SeesAuthor), narrowed to group's subtree when group is set; a lead
// asking for a group outside their subtree is refused (403).
func reportScope(t *Tree, by *Member, group string) (func(m *Member) bool, error) {
	if group != "" && by.Role == RoleLead && !ManagesGroup(t, by, group) {
		return nil, Forbidden("a lead sees only the reports of their own group's subtree")
	}
	return func(m *Member) bool {
		return m != nil && (group == "" || (m.GroupID != "" && t.Covers(group, m.GroupID))) && SeesAuthor(t, by, m)
	}, nil
}

// mayRectify reports whether by may move finding f forward: the responsible
// member, or a manager of its group (ManagesGroup).
func mayRectify(t *Tree, by *Member, f *Finding) bool {
	return by.ID == f.ResponsibleID || ManagesGroup(t, by, f.GroupID)
}

// writableBy checks, inside the write's transaction, that by may write the
// inspection's records: hr and admin always, an inspector on its team.
func (in *Inspection) writableBy(by *Member) error {
	switch {
	case by.Role == RoleHR || by.Role == RoleAdmin:
		return nil
	case by.Role == RoleInspector && slices.Contains(in.InspectorIDs, by.ID):
		return nil
	}
	return Forbidden("only the inspection team (or hr, admin) writes inspection %s", in.ID)
}

// actorMember loads the acting member of ctx inside tx; the system has no
// account here (403).
func actorMember(ctx context.Context, tx *bolt.Tx) (*Member, error) {
	m, err := getMember(tx, ActorFrom(ctx))
	if err != nil {
		return nil, Forbidden("no acting member")
	}
	return m, nil
}

// managedSessionTx loads session id (404) and checks, inside tx, that the
// context's actor manages its group (403). what names the records.
func managedSessionTx(ctx context.Context, tx *bolt.Tx, id, what string) (*Session, error) {
	sess, err := getSession(tx, id)
	if err != nil {
		return nil, err
	}
	if _, err := mayManage(ctx, tx, sess.GroupID, what); err != nil {
		return nil, err
	}
	return sess, nil
}

// scoresScope checks, inside tx and before anything about the exam or its
// members shows, that the actor may enter every score listed
// (ScoresMember): a manager of the exam's group any; a lead below it only
// their own subtree's members (403 naming each entry outside it); anyone
// else none.
func scoresScope(ctx context.Context, tx *bolt.Tx, e *Exam, in ScoresInput) error {
	a, err := actorTx(ctx, tx)
	if err != nil || a.m == nil || ManagesGroup(a.t, a.m, e.GroupID) {
		return err
	}
	if !LeadsBelow(a.t, a.m, e.GroupID) {
		return Forbidden("only a lead of this exam's group or above, or an admin, may enter its scores")
	}
	bad := FieldErrors{}
	for i, sc := range in.Scores {
		m, err := getMember(tx, sc.MemberID)
		if err != nil && !IsKind(err, KindNotFound) {
			return err
		}
		if !ScoresMember(a.t, a.m, e.GroupID, m) {
			bad.Add("scores["+strconv.Itoa(i)+"]", "member "+sc.MemberID+" is not in your group's subtree")
		}
	}
	if len(bad) > 0 {
		fe := Forbidden("a branch lead enters scores only for the members of their own subtree")
		fe.Fields = bad
		return fe
	}
	return nil
}

// SeesReportFile reports whether by may download report file f (an
// appraisal PDF or sheet): hr, admin and inspector every file; a lead the
// files of the groups of their subtree and of its members (subjectGroup is
// the group of a member file's subject, "" when unknown) and their own;
// anyone else their own member files.
func SeesReportFile(t *Tree, by *Member, f *ReportFile, subjectGroup string) bool {
	memberFile := f.Kind == ReportMemberPDF || f.Kind == ReportMemberPDFEn
	switch {
	case by == nil:
		return false
	case by.Role.ReadsAll():
		return true
	case memberFile && f.SubjectID == by.ID:
		return true
	case by.Role != RoleLead:
		return false
	case memberFile:
		return ManagesGroup(t, by, subjectGroup)
	}
	return ManagesGroup(t, by, f.SubjectID)
}
