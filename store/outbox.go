package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The states of an outbox message.
const (
	MessageQueued = "queued" // waiting for its first or next attempt
	MessageSent   = "sent"   // the robot's server accepted it
	MessageFailed = "failed" // given up: 24 h of errors, or the robot is gone
)

// Message is one reminder for one robot, kept in the outbox from the
// moment its event happened until the robot's server accepts it. Notice is
// what it says, frozen when the event happened; the sender renders it in
// the robot's format.
type Message struct {
	ID      string `json:"id"`
	RobotID string `json:"robot_id"`
	GroupID string `json:"group_id"`
	Event   string `json:"event"`
	// Key names the event: one message per robot and key, ever.
	Key   string `json:"key"`
	State string `json:"state"`
	// Tries counts every attempt, the successful one included.
	Tries     int    `json:"tries"`
	LastError string `json:"last_error"`
	// ErrorCode is the robot server's own code for the last error
	// (errcode / code), "" when it gave none.
	ErrorCode string     `json:"error_code,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	NextAt    *time.Time `json:"next_at"`
	LastTryAt *time.Time `json:"last_try_at"`
	SentAt    *time.Time `json:"sent_at"`
	Notice    Notice     `json:"notice"`
}

// dueKey is the outbox_due key of a queued message: when it is due (Unix
// ns, big-endian, so cursor order is time order), then its id.
func dueKey(at time.Time, id string) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(at.UnixNano()))
	copy(k[8:], keyOrZero(id))
	return k
}

func eventKeyOf(key, robotID string) []byte {
	return append(append([]byte(key), 0), keyOrZero(robotID)...)
}

// putMessage stores m and keeps the due index in step: a queued message
// has exactly one due entry, at NextAt; old is its NextAt before.
func putMessage(tx *bolt.Tx, m *Message, old *time.Time) error {
	due := tx.Bucket(bucketOutboxDue)
	if old != nil {
		if err := due.Delete(dueKey(*old, m.ID)); err != nil {
			return err
		}
	}
	if m.State == MessageQueued {
		if m.NextAt == nil {
			t := m.CreatedAt
			m.NextAt = &t
		}
		if err := due.Put(dueKey(*m.NextAt, m.ID), keyOrZero(m.RobotID)); err != nil {
			return err
		}
	} else {
		m.NextAt = nil
	}
	return putJSON(tx.Bucket(bucketOutbox), keyOrZero(m.ID), m)
}

func getMessage(tx *bolt.Tx, id string) (*Message, error) {
	return getByID[Message](tx.Bucket(bucketOutbox), "message", id)
}

// queueMessage writes one message for robot r unless the robot already
// has one for ev.Key; it reports whether it wrote.
func (s *Store) queueMessage(tx *bolt.Tx, r *robotRecord, ev *Event) (bool, error) {
	keys := tx.Bucket(bucketOutboxKeys)
	ek := eventKeyOf(ev.Key, r.ID)
	if keys.Get(ek) != nil {
		return false, nil
	}
	id, key, err := nextID(tx.Bucket(bucketOutbox))
	if err != nil {
		return false, err
	}
	now := s.now().UTC()
	m := &Message{ID: id, RobotID: r.ID, GroupID: r.GroupID, Event: ev.Kind, Key: ev.Key, State: MessageQueued,
		CreatedAt: now, Notice: ev.Notice}
	if err := putMessage(tx, m, nil); err != nil {
		return false, err
	}
	if err := keys.Put(ek, key); err != nil {
		return false, err
	}
	tx.OnCommit(s.kickOutbox)
	return true, nil
}

// kickOutbox wakes the sender after a commit that queued messages.
func (s *Store) kickOutbox() {
	select {
	case s.outboxKick <- struct{}{}:
	default:
	}
}

// OutboxKick receives a value after each commit that queued messages; the
// sender waits on it between rounds.
func (s *Store) OutboxKick() <-chan struct{} { return s.outboxKick }

// OutboxFilter selects messages; zero fields do not filter.
type OutboxFilter struct {
	State   string
	RobotID string
	Limit   int // default 200
}

// Outbox lists messages newest first.
func (s *Store) Outbox(f OutboxFilter) ([]Message, error) {
	switch f.State {
	case "", MessageQueued, MessageSent, MessageFailed:
	default:
		return nil, Invalid(map[string]string{"state": "queued, sent or failed"})
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	out := []Message{}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Last(); k != nil && len(out) < f.Limit; k, v = c.Prev() {
			var m Message
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if (f.State != "" && m.State != f.State) || (f.RobotID != "" && m.RobotID != f.RobotID) {
				continue
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// Message returns one message.
func (s *Store) Message(id string) (*Message, error) {
	var m *Message
	err := s.view(func(tx *bolt.Tx) (err error) {
		m, err = getMessage(tx, id)
		return err
	})
	return m, err
}

// DueMessages lists up to limit queued messages due at now, oldest due
// first.
func (s *Store) DueMessages(now time.Time, limit int) ([]Message, error) {
	out := []Message{}
	end := make([]byte, 8)
	binary.BigEndian.PutUint64(end, uint64(now.UnixNano()))
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutboxDue).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit && bytes.Compare(k[:8], end) <= 0; k, _ = c.Next() {
			m, err := getMessage(tx, keyID(k[8:]))
			if err != nil {
				return err
			}
			out = append(out, *m)
		}
		return nil
	})
	return out, err
}

// NextDueAfter is when the earliest queued message due after t is due;
// ok is false when there is none.
func (s *Store) NextDueAfter(t time.Time) (at time.Time, ok bool, err error) {
	from := make([]byte, 8)
	binary.BigEndian.PutUint64(from, uint64(t.UnixNano())+1)
	err = s.view(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketOutboxDue).Cursor().Seek(from)
		if k != nil {
			at, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(), true
		}
		return nil
	})
	return at, ok, err
}

// BeginAttempt records, before a message is sent, that an attempt starts
// now: tries + 1. A process that dies during the attempt leaves the
// message queued and due, so the next process sends it.
func (s *Store) BeginAttempt(id string, now time.Time) (*Message, error) {
	var m *Message
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if m, err = getMessage(tx, id); err != nil {
			return err
		}
		if m.State != MessageQueued {
			return Conflict("not_queued", "message %s is %s", id, m.State)
		}
		t := now.UTC()
		m.Tries++
		m.LastTryAt = &t
		return putJSON(tx.Bucket(bucketOutbox), keyOrZero(id), m)
	})
	return m, err
}

// Attempt is how an attempt ended. Sent: the robot's server accepted the
// message. Otherwise Error (and Code, the server's own code) say why, and
// RetryAt when to try again; a zero RetryAt gives up (failed).
type Attempt struct {
	Sent    bool
	Code    string
	Error   string
	RetryAt time.Time
}

// FinishAttempt records how the attempt begun by BeginAttempt ended.
func (s *Store) FinishAttempt(id string, now time.Time, a Attempt) (*Message, error) {
	var m *Message
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if m, err = getMessage(tx, id); err != nil {
			return err
		}
		if m.State != MessageQueued {
			return nil // removed or given up meanwhile
		}
		old := m.NextAt
		t := now.UTC()
		switch {
		case a.Sent:
			m.State, m.SentAt, m.LastError, m.ErrorCode = MessageSent, &t, "", ""
		case a.RetryAt.IsZero():
			m.State, m.LastError, m.ErrorCode = MessageFailed, clipText(a.Error, 500), a.Code
		default:
			r := a.RetryAt.UTC()
			m.NextAt, m.LastError, m.ErrorCode = &r, clipText(a.Error, 500), a.Code
		}
		return putMessage(tx, m, old)
	})
	return m, err
}

// RecentTries lists, per robot, when its messages were last tried after
// since (newest 5000 messages looked at): the sender's rate window starts
// from it after a restart.
func (s *Store) RecentTries(since time.Time) (map[string][]time.Time, error) {
	out := map[string][]time.Time{}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		n := 0
		for k, v := c.Last(); k != nil && n < 5000; k, v = c.Prev() {
			n++
			var m struct {
				RobotID   string     `json:"robot_id"`
				LastTryAt *time.Time `json:"last_try_at"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if m.LastTryAt != nil && m.LastTryAt.After(since) {
				out[m.RobotID] = append(out[m.RobotID], *m.LastTryAt)
			}
		}
		return nil
	})
	return out, err
}

// robotQueue lists robot id's queued messages.
func robotQueue(tx *bolt.Tx, robotID string) ([]*Message, error) {
	var out []*Message
	want := keyOrZero(robotID)
	c := tx.Bucket(bucketOutboxDue).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !bytes.Equal(v, want) {
			continue
		}
		m, err := getMessage(tx, keyID(k[8:]))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// retryRobotNow makes robot id's queued messages due now.
func (s *Store) retryRobotNow(tx *bolt.Tx, robotID string) error {
	ms, err := robotQueue(tx, robotID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	for _, m := range ms {
		old := m.NextAt
		m.NextAt = &now
		if err := putMessage(tx, m, old); err != nil {
			return err
		}
	}
	if len(ms) > 0 {
		tx.OnCommit(s.kickOutbox)
	}
	return nil
}

// failRobotMessages gives up robot id's queued messages with reason.
func (s *Store) failRobotMessages(tx *bolt.Tx, robotID, reason string) error {
	ms, err := robotQueue(tx, robotID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		old := m.NextAt
		m.State, m.LastError = MessageFailed, reason
		if err := putMessage(tx, m, old); err != nil {
			return err
		}
	}
	return nil
}

// TestRobot queues a test message for robot id, for by (admin or a lead
// over its group); it goes through the outbox like every message.
func (s *Store) TestRobot(ctx context.Context, by *Member, id string) (*Message, error) {
	var out *Message
	err := s.update(func(tx *bolt.Tx) error {
		rec, t, err := managedRobotTx(tx, by, id)
		if err != nil {
			return err
		}
		if !rec.Enabled {
			return Conflict("robot_disabled", "robot %s is switched off", id)
		}
		g, _ := t.Group(rec.GroupID)
		name := ""
		if by != nil {
			name = by.Name
		}
		// Each press is its own event: the key carries the next message id.
		seq := tx.Bucket(bucketOutbox).Sequence() + 1
		ev := &Event{Kind: EventTest, Key: EventTest + ":" + id + ":" + itoa(seq),
			Notice: Notice{Group: g.Name, Test: &TestNotice{By: name, At: s.now().UTC()}}}
		if _, err := s.queueMessage(tx, rec, ev); err != nil {
			return err
		}
		out, err = getMessage(tx, itoa(seq))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "test", "robot", id, nil, map[string]string{"message_id": out.ID})
	})
	return out, err
}
