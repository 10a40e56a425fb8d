package store

import (
	"context"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The 会议记录 of a session, to inspection standard: 主持人, 记录人, 第一议题,
// 会议内容摘要, 决定事项, kept in bucket minutes_records (session id → JSON
// minutesStored). The counts 应到/实到/请假/缺席 and the absentees are read
// from attendance whenever the record is shown, so they never go stale.

// MinutesInput is the body of PUT /sessions/{id}/minutes. Every field may be
// left empty to save a draft; the record says whether it is complete.
type MinutesInput struct {
	HostID     string `json:"host_id"`
	RecorderID string `json:"recorder_id"`
	FirstTopic string `json:"first_topic"`
	Summary    string `json:"summary"`
	Decisions  string `json:"decisions"`
}

// Validate checks the input without touching the store.
func (in *MinutesInput) Validate() error {
	fe := FieldErrors{}
	in.HostID = strings.TrimSpace(in.HostID)
	in.RecorderID = strings.TrimSpace(in.RecorderID)
	in.FirstTopic = strings.TrimSpace(in.FirstTopic)
	in.Summary = strings.TrimSpace(in.Summary)
	in.Decisions = strings.TrimSpace(in.Decisions)
	for _, f := range []struct{ name, v string }{{"host_id", in.HostID}, {"recorder_id", in.RecorderID}} {
		if _, ok := idKey(f.v); f.v != "" && !ok {
			fe.Add(f.name, "not a member id")
		}
	}
	vetMinutesText(fe, "first_topic", in.FirstTopic, maxFirstTopicLen, false)
	vetMinutesText(fe, "summary", in.Summary, maxMinutes, false)
	vetMinutesText(fe, "decisions", in.Decisions, maxMinutes, false)
	return fe.Err()
}

// minutesStored is what the bucket holds.
type minutesStored struct {
	MinutesInput
	RecordedAt  time.Time  `json:"recorded_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	UpdatedBy   string     `json:"updated_by"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// Absentee is an audience member who was not there, and why.
type Absentee struct {
	MemberID string `json:"member_id"`
	Name     string `json:"name"`
	// Status is leave, absent, or none (no record).
	Status string `json:"status"`
	// Reason is the leave request's reason or the record's note.
	Reason string `json:"reason,omitempty"`
	MadeUp bool   `json:"made_up"`
}

// MinutesRecord is the answer of PUT and GET of a session's minutes.
type MinutesRecord struct {
	SessionID    string `json:"session_id"`
	HostID       string `json:"host_id"`
	HostName     string `json:"host_name,omitempty"`
	RecorderID   string `json:"recorder_id"`
	RecorderName string `json:"recorder_name,omitempty"`
	// FirstTopic is the minutes' 第一议题, else the session's.
	FirstTopic string `json:"first_topic"`
	Summary    string `json:"summary"`
	Decisions  string `json:"decisions"`
	// Expected (应到) is the audience; Present (实到) counts present and
	// late; Leave (请假) and Absent (缺席: absent or no record) the rest.
	Expected  int        `json:"expected"`
	Present   int        `json:"present"`
	Leave     int        `json:"leave"`
	Absent    int        `json:"absent"`
	Absentees []Absentee `json:"absentees"`
	// Recorded is false while nothing has been saved.
	Recorded bool `json:"recorded"`
	// Complete: host, recorder and summary given, and the 第一议题 where the
	// rules require one. Missing names what is not.
	Complete bool     `json:"complete"`
	Missing  []string `json:"missing"`
	// DueOn is the last day for complete minutes: MinutesDueDays working
	// days (Mon–Fri but the rules' holidays, and their make-up workdays)
	// after the session's last day. Late: completed after
	// it, or still not complete once it has passed.
	DueOn       string     `json:"due_on"`
	Late        bool       `json:"late"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	RecordedAt  *time.Time `json:"recorded_at,omitempty"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
	UpdatedBy   string     `json:"updated_by,omitempty"`
}

// dueDate adds r.MinutesDueDays working days (r.WorkingDay) to the date of
// t in loc.
func dueDate(t time.Time, r MeetingRules, loc *time.Location) time.Time {
	d := t.In(loc)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	for n := r.MinutesDueDays; n > 0; {
		d = d.AddDate(0, 0, 1)
		if r.WorkingDay(d) {
			n--
		}
	}
	return d
}

// missingOf lists what complete minutes still need.
func missingOf(in MinutesInput, topicRequired bool) []string {
	miss := []string{}
	if in.HostID == "" {
		miss = append(miss, "host_id")
	}
	if in.RecorderID == "" {
		miss = append(miss, "recorder_id")
	}
	if topicRequired && in.FirstTopic == "" {
		miss = append(miss, "first_topic")
	}
	if in.Summary == "" {
		miss = append(miss, "summary")
	}
	return miss
}

// SaveMinutes writes the session's minutes (PUT: the body replaces them).
// by must lead over the session's group (403); the session must have
// started and not be cancelled (409); host and recorder must be in its
// audience or lead over its group (422); a locked period needs an admin.
func (s *Store) SaveMinutes(ctx context.Context, by *Member, sessionID string, in MinutesInput) (*MinutesRecord, error) {
	return s.SaveMinutesAt(ctx, by, sessionID, in, time.Time{})
}

// SaveMinutesAt is SaveMinutes for minutes kept on paper and entered
// later (the demo, an import): at is when they were written, and so when
// they were complete; zero means now. It is not reachable over HTTP.
func (s *Store) SaveMinutesAt(ctx context.Context, by *Member, sessionID string, in MinutesInput, at time.Time) (*MinutesRecord, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var rec *MinutesRecord
	err := s.update(func(tx *bolt.Tx) error {
		sess, t, err := s.minutesContext(tx, by, sessionID)
		if err != nil {
			return err
		}
		for _, f := range []struct{ name, id string }{{"host_id", in.HostID}, {"recorder_id", in.RecorderID}} {
			if f.id == "" {
				continue
			}
			if err := s.audienceMember(tx, t, sess, f.name, f.id, true); err != nil {
				return err
			}
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketMinutes)
		key := keyOrZero(sess.ID)
		var old minutesStored
		found, err := getJSON(b, key, &old)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if !at.IsZero() {
			now = at.UTC()
		}
		g, _ := t.Group(sess.GroupID)
		st := minutesStored{MinutesInput: in, RecordedAt: now, UpdatedAt: now, UpdatedBy: ActorFrom(ctx)}
		if found {
			st.RecordedAt, st.CompletedAt = old.RecordedAt, old.CompletedAt
		}
		eff := in
		if eff.FirstTopic == "" {
			eff.FirstTopic = sess.FirstTopic
		}
		if len(missingOf(eff, s.MeetingRules().firstTopicRequired(g.Type))) == 0 && st.CompletedAt == nil {
			st.CompletedAt = &now
		}
		if err := putJSON(b, key, &st); err != nil {
			return err
		}
		if found {
			err = s.audit(ctx, tx, "update", "minutes", sess.ID, &old, &st)
		} else {
			err = s.audit(ctx, tx, "create", "minutes", sess.ID, nil, &st)
		}
		if err != nil {
			return err
		}
		ms, err := loadMembers(tx)
		if err != nil {
			return err
		}
		rec, err = s.minutesRecordTx(tx, t, ms, sess)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// MinutesRecord returns the session's minutes with the counts and
// absentees from attendance; Recorded is false when none were saved.
func (s *Store) MinutesRecord(sessionID string) (*MinutesRecord, error) {
	var rec *MinutesRecord
	err := s.view(func(tx *bolt.Tx) error {
		sess, t, ms, err := loadSessionPeople(tx, sessionID)
		if err != nil {
			return err
		}
		rec, err = s.minutesRecordTx(tx, t, ms, sess)
		return err
	})
	return rec, err
}

// minutesHeadTx is the state of a session's minutes without the people:
// what was written, whether complete (and what is missing), the due day
// and whether late. groupType is the type of the session's group.
func (s *Store) minutesHeadTx(tx *bolt.Tx, groupType string, sess *Session) (*MinutesRecord, error) {
	var st minutesStored
	found, err := getJSON(tx.Bucket(bucketMinutes), keyOrZero(sess.ID), &st)
	if err != nil {
		return nil, err
	}
	rules := s.MeetingRules()
	in := st.MinutesInput
	if in.FirstTopic == "" {
		in.FirstTopic = sess.FirstTopic
	}
	rec := &MinutesRecord{SessionID: sess.ID, HostID: in.HostID, RecorderID: in.RecorderID, FirstTopic: in.FirstTopic,
		Summary: in.Summary, Decisions: in.Decisions, Recorded: found, Absentees: []Absentee{},
		Missing: missingOf(in, rules.firstTopicRequired(groupType))}
	rec.Complete = len(rec.Missing) == 0
	if found {
		rec.CompletedAt, rec.UpdatedBy = st.CompletedAt, st.UpdatedBy
		rec.RecordedAt, rec.UpdatedAt = &st.RecordedAt, &st.UpdatedAt
		if !rec.Complete {
			rec.CompletedAt = nil
		}
	}
	due := dueDate(sess.EndsAt, rules, s.loc)
	rec.DueOn = due.Format(DateLayout)
	deadline := due.AddDate(0, 0, 1)
	switch {
	case rec.CompletedAt != nil:
		rec.Late = rec.CompletedAt.After(deadline)
	default:
		rec.Late = !s.now().Before(deadline)
	}
	return rec, nil
}

func (s *Store) minutesRecordTx(tx *bolt.Tx, t *Tree, ms []Member, sess *Session) (*MinutesRecord, error) {
	g, _ := t.Group(sess.GroupID)
	rec, err := s.minutesHeadTx(tx, g.Type, sess)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(ms))
	for _, m := range ms {
		names[m.ID] = m.Name
	}
	rec.HostName, rec.RecorderName = names[rec.HostID], names[rec.RecorderID]
	recs, err := attendanceTx(tx, sess.ID)
	if err != nil {
		return nil, err
	}
	byMember := make(map[string]*Attendance, len(recs))
	for i := range recs {
		byMember[recs[i].MemberID] = &recs[i]
	}
	reqs, err := leaveRequestsTx(tx, sess.ID)
	if err != nil {
		return nil, err
	}
	reasons := map[string]string{}
	for _, r := range reqs {
		if r.Status == "approved" || reasons[r.MemberID] == "" {
			reasons[r.MemberID] = r.Reason
		}
	}
	for _, m := range s.audienceOf(t, sess, ms) {
		rec.Expected++
		a := byMember[m.ID]
		ab := Absentee{MemberID: m.ID, Name: m.Name, Status: "none"}
		switch {
		case a != nil && (a.Status == StatusPresent || a.Status == StatusLate):
			rec.Present++
			continue
		case a != nil && a.Status == StatusLeave:
			rec.Leave++
			ab.Status, ab.Reason = "leave", reasons[m.ID]
		default:
			rec.Absent++
			if a != nil {
				ab.Status = "absent"
			}
		}
		if a != nil {
			ab.MadeUp = a.MakeupOn != ""
			if ab.Reason == "" {
				ab.Reason = a.Note
			}
		}
		rec.Absentees = append(rec.Absentees, ab)
	}
	return rec, nil
}
