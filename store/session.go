package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Limits on a session's free text and items.
const (
	maxPlaceLen       = 200
	maxFirstTopicLen  = 500
	maxSessionItems   = 200
	sessionSecretSize = 32
)

// SessionInput is the body of POST /sessions. Instants are RFC 3339.
type SessionInput struct {
	GroupID  string   `json:"group_id"`
	Title    string   `json:"title"`
	StartsAt string   `json:"starts_at"`
	EndsAt   string   `json:"ends_at"`
	Place    string   `json:"place,omitempty"`
	ItemIDs  []string `json:"item_ids,omitempty"`
	LeadID   string   `json:"lead_id,omitempty"`
	// Kind is the kind of meeting (meeting.go); empty means study.
	Kind string `json:"kind,omitempty"`
	// FirstTopic is the 第一议题.
	FirstTopic string `json:"first_topic,omitempty"`

	startsAt, endsAt time.Time // set by Validate
}

// Validate checks the input without touching the store.
func (in *SessionInput) Validate() error {
	fe := FieldErrors{}
	if strings.TrimSpace(in.GroupID) == "" {
		fe.Add("group_id", "required")
	}
	in.Title = strings.TrimSpace(in.Title)
	vetTitle(fe, "title", in.Title)
	in.Place = strings.TrimSpace(in.Place)
	vetText(fe, "place", in.Place, maxPlaceLen, false)
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind == "" {
		in.Kind = KindStudy
	} else if !ValidSessionKind(in.Kind) {
		fe.Add("kind", "one of "+strings.Join(SessionKinds, ", "))
	}
	in.FirstTopic = strings.TrimSpace(in.FirstTopic)
	vetText(fe, "first_topic", in.FirstTopic, maxFirstTopicLen, false)
	var err1, err2 error
	in.startsAt, err1 = parseSessionInstant(fe, "starts_at", in.StartsAt)
	in.endsAt, err2 = parseSessionInstant(fe, "ends_at", in.EndsAt)
	if err1 == nil && err2 == nil && !in.endsAt.After(in.startsAt) {
		fe.Add("ends_at", "must be after starts_at")
	}
	vetItemIDs(fe, in.ItemIDs)
	return fe.Err()
}

// parseSessionInstant reads a required RFC 3339 instant into fe's field.
func parseSessionInstant(fe FieldErrors, field, s string) (time.Time, error) {
	if s == "" {
		fe.Add(field, "required")
		return time.Time{}, errBadInstant
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < 1900 || t.Year() > 9998 {
		fe.Add(field, "an instant in RFC 3339, like 2023-09-01T14:30:00+08:00")
		return time.Time{}, errBadInstant
	}
	return t, nil
}

var errBadInstant = Errorf(KindInvalid, "invalid", "invalid")

// CreateSession schedules a session. item_ids must name items of plans whose
// group covers the session's group; lead_id, when given, must name an active
// member of the audience or a lead over the group; when omitted the rotation
// picks the reading lead. A random per-session secret for the check-in code
// is stored beside it and never leaves the store.
func (s *Store) CreateSession(ctx context.Context, in SessionInput) (*Session, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	secret := make([]byte, sessionSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	var sess *Session
	err := s.update(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		g, ok := t.Group(in.GroupID)
		if !ok {
			return Invalid(map[string]string{"group_id": "no such group"})
		}
		if _, err := mayManage(ctx, tx, in.GroupID, "sessions"); err != nil {
			return err
		}
		if !KindAllowed(g.Type, in.Kind) {
			return Invalid(map[string]string{"kind": "a " + g.Type + " group cannot hold a " + in.Kind + " (a group_meeting needs a party_group; a party_congress or committee_meeting a branch)"})
		}
		if err := checkSessionItems(tx, t, in.GroupID, in.ItemIDs); err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, in.startsAt)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketSessions)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		items := append([]string{}, in.ItemIDs...)
		sess = &Session{ID: id, GroupID: in.GroupID, Kind: in.Kind, FirstTopic: in.FirstTopic, Title: in.Title, StartsAt: in.startsAt.In(s.loc),
			EndsAt: in.endsAt.In(s.loc), Place: in.Place, ItemIDs: items, CreatedAt: s.now().UTC(), CreatedBy: ActorFrom(ctx)}
		if in.LeadID != "" {
			if err := s.checkManualLead(tx, t, sess, in.LeadID); err != nil {
				return err
			}
			sess.LeadID, sess.LeadSource = in.LeadID, "manual"
		} else {
			lead, err := s.rotationLead(tx, sess)
			if err != nil {
				return err
			}
			if lead != "" {
				sess.LeadID, sess.LeadSource = lead, "rotation"
			}
		}
		if err := putJSON(b, key, sess); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSecrets).Put(key, secret); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "session", id, nil, sess)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// checkManualLead accepts as reading lead an active member of the audience,
// or an active lead over the session's group.
func (s *Store) checkManualLead(tx *bolt.Tx, t *Tree, sess *Session, leadID string) error {
	m, err := getMember(tx, leadID)
	if IsKind(err, KindNotFound) {
		return Invalid(map[string]string{"lead_id": "no such member"})
	} else if err != nil {
		return err
	}
	day := s.startDate(sess)
	switch {
	case !m.ActiveOn(day):
		return Invalid(map[string]string{"lead_id": "not an active member on the session's date"})
	case m.GroupID != "" && t.Covers(sess.GroupID, m.GroupID):
		return nil // in the audience
	case m.Role == RoleLead && m.GroupID != "" && t.Covers(m.GroupID, sess.GroupID):
		return nil // a lead over the group
	}
	return Invalid(map[string]string{"lead_id": "must be a member of the audience or a lead over the group"})
}

// startDate is the session's start date in the store's time zone: the day
// on which audience membership is judged.
func (s *Store) startDate(sess *Session) string {
	return sess.StartsAt.In(s.loc).Format(DateLayout)
}

// Session returns one session (never its secret).
func (s *Store) Session(id string) (*Session, error) {
	var sess *Session
	err := s.view(func(tx *bolt.Tx) (err error) {
		sess, err = getSession(tx, id)
		return err
	})
	return sess, err
}

func getSession(tx *bolt.Tx, id string) (*Session, error) {
	sess, err := sessionRecord(tx, id)
	if err != nil {
		return nil, err
	}
	if sess.ItemIDs == nil {
		sess.ItemIDs = []string{}
	}
	return sess, nil
}

// SessionFilter selects sessions; zero fields do not filter.
type SessionFilter struct {
	// GroupIDs keeps sessions targeting one of these groups.
	GroupIDs []string
	// From and To keep sessions with From ≤ starts_at < To.
	From, To time.Time
	// IncludeCancelled keeps cancelled sessions too; they count nowhere, so
	// by default they are left out.
	IncludeCancelled bool
}

// Sessions lists sessions ordered by starts_at, then id.
func (s *Store) Sessions(f SessionFilter) ([]Session, error) {
	out := []Session{}
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = sessionsTx(tx, f)
		return err
	})
	return out, err
}

func sessionsTx(tx *bolt.Tx, f SessionFilter) ([]Session, error) {
	var want map[string]bool
	if f.GroupIDs != nil {
		want = make(map[string]bool, len(f.GroupIDs))
		for _, g := range f.GroupIDs {
			want[g] = true
		}
	}
	out := []Session{}
	err := tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		var sess Session
		if err := json.Unmarshal(v, &sess); err != nil {
			return err
		}
		switch {
		case sess.Cancelled && !f.IncludeCancelled,
			want != nil && !want[sess.GroupID],
			!f.From.IsZero() && sess.StartsAt.Before(f.From),
			!f.To.IsZero() && !sess.StartsAt.Before(f.To):
			return nil
		}
		if sess.ItemIDs == nil {
			sess.ItemIDs = []string{}
		}
		if sess.Kind == "" {
			sess.Kind = KindStudy
		}
		out = append(out, sess)
		return nil
	})
	sortSessionsByStart(out)
	return out, err
}

// sortSessionsByStart orders sessions by start, then id.
func sortSessionsByStart(ss []Session) {
	sort.SliceStable(ss, func(i, j int) bool {
		if !ss[i].StartsAt.Equal(ss[j].StartsAt) {
			return ss[i].StartsAt.Before(ss[j].StartsAt)
		}
		return btoi(keyOrZero(ss[i].ID)) < btoi(keyOrZero(ss[j].ID))
	})
}

// CancelSession cancels a session: it then counts nowhere and nobody can
// check in. Cancelling twice is a conflict.
func (s *Store) CancelSession(ctx context.Context, id string) (*Session, error) {
	var sess *Session
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if sess, err = managedSessionTx(ctx, tx, id, "sessions"); err != nil {
			return err
		}
		if sess.Cancelled {
			return Conflict("already_cancelled", "session %s is already cancelled", id)
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		before := *sess
		now := s.now().UTC()
		sess.Cancelled, sess.CancelledAt = true, &now
		if err := putJSON(tx.Bucket(bucketSessions), keyOrZero(id), sess); err != nil {
			return err
		}
		return s.audit(ctx, tx, "cancel", "session", id, &before, sess)
	})
	s.forgetSession(id)
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Audience lists the members a session is for: those active on its start
// date whose group is the session's group or below it, ordered by name.
func (s *Store) Audience(sess *Session) ([]Member, error) {
	var out []Member
	err := s.view(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		out, err = s.audienceTx(tx, t, sess)
		return err
	})
	return out, err
}

func (s *Store) audienceTx(tx *bolt.Tx, t *Tree, sess *Session) ([]Member, error) {
	ms, err := loadMembers(tx)
	if err != nil {
		return nil, err
	}
	return s.audienceOf(t, sess, ms), nil
}

// audienceOf picks the audience of sess out of all members ms.
func (s *Store) audienceOf(t *Tree, sess *Session, ms []Member) []Member {
	in := map[string]bool{}
	for _, g := range t.Subtree(sess.GroupID) {
		in[g] = true
	}
	day := s.startDate(sess)
	out := []Member{}
	for _, m := range ms {
		if m.GroupID != "" && in[m.GroupID] && m.ActiveOn(day) {
			out = append(out, m)
		}
	}
	SortMembers(t, out)
	return out
}

// AudienceMember is one entry of a session's audience.
type AudienceMember struct {
	MemberID string `json:"member_id"`
	Name     string `json:"name"`
	GroupID  string `json:"group_id"`
}

// AttendanceEntry is an attendance record with the member's name.
type AttendanceEntry struct {
	Attendance
	Name string `json:"name"`
}

// LeaveEntry is a leave request with the member's name.
type LeaveEntry struct {
	LeaveRequest
	Name string `json:"name"`
}

// AttendanceCounts sums up a session's audience: expected is the audience
// size; none counts audience members without a record.
type AttendanceCounts struct {
	Expected int `json:"expected"`
	Present  int `json:"present"`
	Late     int `json:"late"`
	Leave    int `json:"leave"`
	Absent   int `json:"absent"`
	None     int `json:"none"`
}

// SessionDetail is a session with its audience, attendance records, leave
// requests and counts: the answer of GET /sessions/{id}.
type SessionDetail struct {
	Session
	LeadName      string            `json:"lead_name,omitempty"`
	Attendance    []AttendanceEntry `json:"attendance"`
	Audience      []AudienceMember  `json:"audience"`
	LeaveRequests []LeaveEntry      `json:"leave_requests"`
	Counts        AttendanceCounts  `json:"counts"`
	// CodeLocks are the members stopped from self check-in after too many
	// wrong codes (the lead marks them by hand).
	CodeLocks []CodeLock `json:"code_locks"`
}

// OnlyMember keeps only member memberID's own entries in the audience,
// attendance, leave and code-lock lists (what a member may see); counts
// stay whole.
func (d *SessionDetail) OnlyMember(memberID string) {
	d.OnlyMembers(func(id string) bool { return id == memberID })
}

// OnlyMembers keeps the entries of the members keep accepts (a branch lead
// at an organisation-wide session sees their own subtree's); counts stay
// whole.
func (d *SessionDetail) OnlyMembers(keep func(memberID string) bool) {
	d.Audience = filter(d.Audience, func(a AudienceMember) bool { return keep(a.MemberID) })
	d.Attendance = filter(d.Attendance, func(a AttendanceEntry) bool { return keep(a.MemberID) })
	d.LeaveRequests = filter(d.LeaveRequests, func(l LeaveEntry) bool { return keep(l.MemberID) })
	d.CodeLocks = filter(d.CodeLocks, func(l CodeLock) bool { return keep(l.MemberID) })
}

// filter returns the elements of xs that keep accepts, never nil.
func filter[T any](xs []T, keep func(T) bool) []T {
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// SessionDetail returns a session with its audience, records, leave
// requests and counts, all read in one transaction.
func (s *Store) SessionDetail(id string) (*SessionDetail, error) {
	var d *SessionDetail
	err := s.view(func(tx *bolt.Tx) error {
		sess, err := getSession(tx, id)
		if err != nil {
			return err
		}
		t, ms, err := loadPeople(tx)
		if err != nil {
			return err
		}
		names := make(map[string]string, len(ms))
		for _, m := range ms {
			names[m.ID] = m.Name
		}
		d = &SessionDetail{Session: *sess, LeadName: names[sess.LeadID],
			Attendance: []AttendanceEntry{}, Audience: []AudienceMember{}, LeaveRequests: []LeaveEntry{}}
		inAudience := map[string]bool{}
		for _, m := range s.audienceOf(t, sess, ms) {
			d.Audience = append(d.Audience, AudienceMember{MemberID: m.ID, Name: m.Name, GroupID: m.GroupID})
			inAudience[m.ID] = true
		}
		recs, err := attendanceTx(tx, id)
		if err != nil {
			return err
		}
		d.Counts.Expected = len(d.Audience)
		d.Counts.None = len(d.Audience)
		for _, a := range recs {
			d.Attendance = append(d.Attendance, AttendanceEntry{Attendance: a, Name: names[a.MemberID]})
			if !inAudience[a.MemberID] {
				continue
			}
			d.Counts.None--
			switch a.Status {
			case StatusPresent:
				d.Counts.Present++
			case StatusLate:
				d.Counts.Late++
			case StatusLeave:
				d.Counts.Leave++
			case StatusAbsent:
				d.Counts.Absent++
			}
		}
		reqs, err := leaveRequestsTx(tx, id)
		if err != nil {
			return err
		}
		for _, r := range reqs {
			d.LeaveRequests = append(d.LeaveRequests, LeaveEntry{LeaveRequest: r, Name: names[r.MemberID]})
		}
		d.CodeLocks, err = codeLocksTx(tx, keyOrZero(id), names)
		return err
	})
	return d, err
}
