package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The events a robot can be told about. A robot subscribes to some of
// them (all by default); EventTest goes only to the robot being tested.
const (
	EventSessionTomorrow      = "session_tomorrow"      // the day before, at the configured hour
	EventSessionSoon          = "session_soon"          // shortly before it starts (30 min)
	EventAttendance           = "attendance"            // when a session closes: the counts
	EventWarningsDigest       = "warnings_digest"       // weekly: warnings in the group, counted
	EventRectificationDue     = "rectification_due"     // 3 days before a finding's deadline
	EventRectificationOverdue = "rectification_overdue" // a finding past its deadline, not closed
	EventReportsReady         = "reports_ready"         // a report run finished
	EventTest                 = "test"                  // POST /robots/{id}/test
)

// SubscribableEvents lists the events a robot may subscribe to, in order.
var SubscribableEvents = []string{EventSessionTomorrow, EventSessionSoon, EventAttendance, EventWarningsDigest,
	EventRectificationDue, EventRectificationOverdue, EventReportsReady}

func isSubscribable(e string) bool { return eventOrder(e) < len(SubscribableEvents) }

func eventOrder(e string) int {
	for i, x := range SubscribableEvents {
		if x == e {
			return i
		}
	}
	return len(SubscribableEvents)
}

// Reach says which groups' robots hear an event about group g.
type Reach int

// The reaches.
const (
	ReachGroup     Reach = iota // g's robots
	ReachSubtree                // the robots of g and every group below it
	ReachAncestors              // the robots of g and every group above it
)

// Event is something that happened which robots are told about. Key names
// it for good: a robot gets one message per key, so an event found again
// (the next scan, a restart) is not sent twice.
type Event struct {
	Kind    string
	Key     string
	GroupID string
	Reach   Reach
	Notice  Notice
}

// Notice is what a message says, as data; the sender renders it as
// markdown or plain text, in Chinese. One of the pointers is set.
type Notice struct {
	Group   string `json:"group"` // the group's name
	GroupID string `json:"group_id,omitempty"`
	// Path is the page the message links to, under the public address.
	Path        string             `json:"path,omitempty"`
	Session     *SessionNotice     `json:"session,omitempty"`
	Attendance  *AttendanceNotice  `json:"attendance,omitempty"`
	Digest      *DigestNotice      `json:"digest,omitempty"`
	Finding     *FindingNotice     `json:"finding,omitempty"`
	Reports     *ReportsNotice     `json:"reports,omitempty"`
	Test        *TestNotice        `json:"test,omitempty"`
	Unavailable *UnavailableNotice `json:"unavailable,omitempty"`
}

// SessionNotice describes a session: when, where, what, who leads.
type SessionNotice struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Kind     string    `json:"kind,omitempty"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Place    string    `json:"place,omitempty"`
	Items    []string  `json:"items,omitempty"`
	Lead     string    `json:"lead,omitempty"`
}

// AttendanceNotice counts a closed session's attendance. Absentees are
// named only when the group enabled it (ReminderSettings.NameAbsentees).
type AttendanceNotice struct {
	Audience  int      `json:"audience"`
	Present   int      `json:"present"`
	Late      int      `json:"late"`
	Leave     int      `json:"leave"`
	Absent    int      `json:"absent"`
	Absentees []string `json:"absentees,omitempty"`
}

// DigestNotice counts a week's warnings in a group's subtree, by kind;
// members are named only when the group enabled it.
type DigestNotice struct {
	Period  string         `json:"period"`
	Week    string         `json:"week"` // ISO week, 2023-W36
	Members int            `json:"members"`
	Counts  map[string]int `json:"counts"`
	Names   []string       `json:"names,omitempty"`
}

// FindingNotice is a rectification finding near or past its deadline.
type FindingNotice struct {
	ID          string `json:"id"`
	Category    string `json:"category,omitempty"`
	Description string `json:"description"`
	Responsible string `json:"responsible,omitempty"`
	Deadline    string `json:"deadline"`
	DaysLeft    int    `json:"days_left"` // negative: days overdue
}

// ReportsNotice says a report run has finished.
type ReportsNotice struct {
	Period string `json:"period"`
	Result string `json:"result,omitempty"`
	JobID  string `json:"job_id,omitempty"`
}

// TestNotice is the test message.
type TestNotice struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// UnavailableNotice is kept for messages whose notice could not be read.
type UnavailableNotice struct{}

// ReminderRules say when the session reminders go out.
type ReminderRules struct {
	// DayBeforeAt is the time of day (from midnight, server time zone) at
	// which the day-before reminder goes out. Default 18:00.
	DayBeforeAt time.Duration
	// SoonBefore is how long before the start the second one goes. 30 min.
	SoonBefore time.Duration
	// DeadlineDays is how many days before a rectification deadline the
	// reminder goes. Default 3.
	DeadlineDays int
}

// DefaultReminderRules are the rules without configuration.
var DefaultReminderRules = ReminderRules{DayBeforeAt: 18 * time.Hour, SoonBefore: 30 * time.Minute, DeadlineDays: RectificationDueDays}

type reminderRulesHolder struct{ p atomic.Pointer[ReminderRules] }

// SetReminderRules sets the reminder rules; zero fields keep the default.
func (s *Store) SetReminderRules(r ReminderRules) {
	if r.DayBeforeAt <= 0 || r.DayBeforeAt >= 24*time.Hour {
		r.DayBeforeAt = DefaultReminderRules.DayBeforeAt
	}
	if r.SoonBefore <= 0 {
		r.SoonBefore = DefaultReminderRules.SoonBefore
	}
	if r.DeadlineDays <= 0 {
		r.DeadlineDays = DefaultReminderRules.DeadlineDays
	}
	s.reminders.p.Store(&r)
}

// ReminderRules returns the rules in force.
func (s *Store) ReminderRules() ReminderRules {
	if r := s.reminders.p.Load(); r != nil {
		return *r
	}
	return DefaultReminderRules
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// notifyTx queues ev for every enabled robot it reaches that subscribes
// to it, in tx; it returns how many messages it queued.
func (s *Store) notifyTx(tx *bolt.Tx, t *Tree, ev *Event) (int, error) {
	if ev.Key == "" || ev.Kind == "" {
		return 0, fmt.Errorf("notify: event without kind or key")
	}
	var groups []string
	switch ev.Reach {
	case ReachSubtree:
		groups = t.Subtree(ev.GroupID)
	case ReachAncestors:
		groups = t.Ancestors(ev.GroupID)
	default:
		groups = []string{ev.GroupID}
	}
	in := map[string]bool{}
	for _, g := range groups {
		in[g] = true
	}
	var targets []robotRecord
	err := tx.Bucket(bucketRobots).ForEach(func(k, v []byte) error {
		var r robotRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Enabled && in[r.GroupID] && contains(r.Events, ev.Kind) {
			targets = append(targets, r)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range targets {
		ok, err := s.queueMessage(tx, &targets[i], ev)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Notify queues events that have no transaction of their own (scheduled
// reminders, digests), in one transaction; keys make it idempotent. It
// returns how many messages it queued.
func (s *Store) Notify(ctx context.Context, evs []Event) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		for i := range evs {
			k, err := s.notifyTx(tx, t, &evs[i])
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	return n, err
}

// sessionNotice describes sess for a message.
func sessionNotice(tx *bolt.Tx, sess *Session) *SessionNotice {
	sn := &SessionNotice{ID: sess.ID, Title: sess.Title, StartsAt: sess.StartsAt, EndsAt: sess.EndsAt, Place: sess.Place}
	for _, id := range sess.ItemIDs {
		var it ContentItem
		if found, err := getJSON(tx.Bucket(bucketItems), keyOrZero(id), &it); err == nil && found {
			sn.Items = append(sn.Items, it.Title)
		}
	}
	lead := actualLead(tx, sess)
	if lead == "" {
		lead = sess.LeadID
	}
	if lead != "" {
		if m, err := getMember(tx, lead); err == nil {
			sn.Lead = m.Name
		}
	}
	return sn
}

// QueueSessionReminders queues the reminders due at now for sessions that
// are not cancelled and have not started: the day-before one from
// DayBeforeAt on the day before the session's day, and the one SoonBefore
// the start. Each is queued once per session and start time (a session
// moved to another time is reminded again). It returns how many messages
// it queued.
func (s *Store) QueueSessionReminders(now time.Time) (int, error) {
	rules := s.ReminderRules()
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		local := now.In(s.loc)
		today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
		tomorrow := today.AddDate(0, 0, 1).Format(DateLayout)
		dayBefore := !local.Before(today.Add(rules.DayBeforeAt))
		var due []Session
		err = tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var sess Session
			if err := json.Unmarshal(v, &sess); err != nil {
				return err
			}
			if sess.Cancelled || sess.ClosedAt != nil || !now.Before(sess.StartsAt) || sess.StartsAt.Sub(now) > 48*time.Hour {
				return nil
			}
			due = append(due, sess)
			return nil
		})
		if err != nil {
			return err
		}
		for i := range due {
			sess := &due[i]
			var kinds []string
			if dayBefore && s.dateIn(sess.StartsAt) == tomorrow {
				kinds = append(kinds, EventSessionTomorrow)
			}
			if !now.Before(sess.StartsAt.Add(-rules.SoonBefore)) {
				kinds = append(kinds, EventSessionSoon)
			}
			for _, kind := range kinds {
				g, _ := t.Group(sess.GroupID)
				ev := &Event{Kind: kind, Key: kind + ":" + sess.ID + ":" + sess.StartsAt.UTC().Format(time.RFC3339),
					GroupID: sess.GroupID, Reach: ReachSubtree,
					Notice: Notice{Group: g.Name, GroupID: g.ID, Path: "/app/home", Session: sessionNotice(tx, sess)}}
				k, err := s.notifyTx(tx, t, ev)
				if err != nil {
					return err
				}
				n += k
			}
		}
		return nil
	})
	return n, err
}

// notifyClosed queues the attendance message of a session closed in tx:
// counts over its audience, absentees named when the group allows it.
func (s *Store) notifyClosed(tx *bolt.Tx, t *Tree, sess *Session, aud []Member) error {
	an := &AttendanceNotice{Audience: len(aud)}
	names := reminderSettings(tx, sess.GroupID).NameAbsentees
	skey := keyOrZero(sess.ID)
	for _, m := range aud {
		v := tx.Bucket(bucketAttendance).Get(pairKey(skey, keyOrZero(m.ID)))
		switch attStatus(v) {
		case StatusPresent:
			an.Present++
		case StatusLate:
			an.Late++
		case StatusLeave:
			an.Leave++
		default:
			an.Absent++
			if names {
				an.Absentees = append(an.Absentees, m.Name)
			}
		}
	}
	g, _ := t.Group(sess.GroupID)
	ev := &Event{Kind: EventAttendance, Key: EventAttendance + ":" + sess.ID, GroupID: sess.GroupID, Reach: ReachGroup,
		Notice: Notice{Group: g.Name, GroupID: g.ID, Path: "/app/sessions/" + sess.ID, Session: sessionNotice(tx, sess), Attendance: an}}
	_, err := s.notifyTx(tx, t, ev)
	return err
}

// Rectification is a finding with a deadline, as the inspections
// feature hands it to the reminders (see QueueRectificationReminders).
type Rectification struct {
	FindingID   string
	GroupID     string
	Category    string
	Description string
	Responsible string // the responsible member's name
	Deadline    string // YYYY-MM-DD
	Closed      bool
}

// OpenRectifications hands the inspections' findings that are not closed
// and due within DeadlineDays of now (or overdue) to the reminders, with
// the responsible member's name: the scheduler's Rectifications hook.
func (s *Store) OpenRectifications(now time.Time) ([]Rectification, error) {
	until := now.In(s.loc).AddDate(0, 0, s.ReminderRules().DeadlineDays).Format(DateLayout)
	fs, err := s.FindingsByDeadline(until)
	if err != nil {
		return nil, err
	}
	out := make([]Rectification, 0, len(fs))
	for _, f := range fs {
		r := Rectification{FindingID: f.ID, GroupID: f.GroupID, Category: f.Category, Description: f.Description,
			Deadline: f.Deadline, Closed: f.State == FindingClosed}
		if m, err := s.Member(f.ResponsibleID); err == nil {
			r.Responsible = m.Name
		}
		out = append(out, r)
	}
	return out, nil
}

// QueueRectificationReminders queues, for each finding not closed, the
// reminder DeadlineDays before its deadline (from that day until the
// deadline) and the overdue one (from the day after it), each once per
// finding and deadline. It returns how many messages it queued.
func (s *Store) QueueRectificationReminders(now time.Time, fs []Rectification) (int, error) {
	rules := s.ReminderRules()
	today := s.dateIn(now)
	var evs []Event
	for _, f := range fs {
		d, err := time.ParseInLocation(DateLayout, f.Deadline, s.loc)
		if f.Closed || err != nil {
			continue
		}
		td, _ := time.ParseInLocation(DateLayout, today, s.loc)
		left := int(d.Sub(td).Hours() / 24)
		kind := ""
		switch {
		case left < 0:
			kind = EventRectificationOverdue
		case left <= rules.DeadlineDays:
			kind = EventRectificationDue
		default:
			continue
		}
		evs = append(evs, Event{Kind: kind, Key: kind + ":" + f.FindingID + ":" + f.Deadline, GroupID: f.GroupID, Reach: ReachAncestors,
			Notice: Notice{GroupID: f.GroupID, Finding: &FindingNotice{ID: f.FindingID, Category: f.Category,
				Description: clipText(f.Description, 200), Responsible: f.Responsible, Deadline: f.Deadline, DaysLeft: left}}})
	}
	if len(evs) == 0 {
		return 0, nil
	}
	return s.notifyNamed(evs)
}

// notifyNamed fills each event's group name and queues them.
func (s *Store) notifyNamed(evs []Event) (int, error) {
	t, err := s.Tree()
	if err != nil {
		return 0, err
	}
	for i := range evs {
		if g, ok := t.Group(evs[i].GroupID); ok {
			evs[i].Notice.Group = g.Name
		}
	}
	return s.Notify(WithActor(context.Background(), "system"), evs)
}

// QueueWarningsDigest queues the weekly digest for each group with a robot
// subscribed to it: the warnings of the group's subtree in the period
// holding now, counted by kind (members named only when the group allows
// it). The key is the group and the ISO week, so one digest per week.
func (s *Store) QueueWarningsDigest(now time.Time) (int, error) {
	var groups []string
	names := map[string]bool{}
	err := s.view(func(tx *bolt.Tx) error {
		seen := map[string]bool{}
		return tx.Bucket(bucketRobots).ForEach(func(k, v []byte) error {
			var r robotRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Enabled && contains(r.Events, EventWarningsDigest) && !seen[r.GroupID] {
				seen[r.GroupID] = true
				groups = append(groups, r.GroupID)
				names[r.GroupID] = reminderSettings(tx, r.GroupID).NameAbsentees
			}
			return nil
		})
	})
	if err != nil || len(groups) == 0 {
		return 0, err
	}
	p := PeriodOf(now, s.loc)
	y, w := now.In(s.loc).ISOWeek()
	week := fmt.Sprintf("%d-W%02d", y, w)
	var evs []Event
	for _, g := range groups {
		ws, err := s.Warnings(p, g, s.Policy())
		if err != nil {
			return 0, err
		}
		dn := &DigestNotice{Period: p.String(), Week: week, Counts: map[string]int{}}
		seen := map[string]bool{}
		for _, w := range ws {
			dn.Counts[w.Kind]++
			if !seen[w.MemberID] {
				seen[w.MemberID] = true
				dn.Members++
				if names[g] {
					dn.Names = append(dn.Names, w.Name)
				}
			}
		}
		evs = append(evs, Event{Kind: EventWarningsDigest, Key: EventWarningsDigest + ":" + g + ":" + week, GroupID: g, Reach: ReachGroup,
			Notice: Notice{GroupID: g, Path: "/app/warnings", Digest: dn}})
	}
	return s.notifyNamed(evs)
}

// ReportsReadyEvent is the event of a finished report run of period for
// groupID ("" for everyone): it reaches the robots of that group and the
// groups above it (HR's robot sits on the top group).
func (s *Store) ReportsReadyEvent(jobID, period, groupID, result string) Event {
	g := groupID
	key := EventReportsReady + ":" + jobID
	return Event{Kind: EventReportsReady, Key: key, GroupID: g, Reach: ReachAncestors,
		Notice: Notice{GroupID: g, Path: "/app/reports", Reports: &ReportsNotice{Period: period, Result: clipText(result, 200), JobID: jobID}}}
}

// notifyReports queues a reports-ready event in tx; an organisation-wide
// run reaches the robots of every top group.
func (s *Store) notifyReports(tx *bolt.Tx, ev Event) error {
	t, err := loadTree(tx)
	if err != nil {
		return err
	}
	targets := []string{ev.GroupID}
	if ev.GroupID == "" {
		targets = t.Roots()
	}
	for _, g := range targets {
		e := ev
		e.GroupID = g
		if gr, ok := t.Group(g); ok {
			e.Notice.Group = gr.Name
		}
		if _, err := s.notifyTx(tx, t, &e); err != nil {
			return err
		}
	}
	return nil
}
