package store

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Session minutes: who led the reading (个人领读), what was shared (交流分享)
// and what was asked (相互提问). Buckets:
//
//	reading_turns  session id (8)               -> JSON ReadingTurn (one per session)
//	shares         session id (8) + share id (8) -> JSON Share
//	questions      session id (8) + question id (8) -> JSON Question
//
// Share and question ids come from their bucket's sequence, so a prefix scan
// on the session id lists a session's entries in the order they were made.

// ReadingTurn records who led the reading at a session and what was read.
// Its LeadID is the session's actual lead: the rotation continues after it.
type ReadingTurn struct {
	SessionID  string    `json:"session_id"`
	LeadID     string    `json:"lead_id"`
	Material   string    `json:"material"`
	Notes      string    `json:"notes,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

// Share is one member's contribution at a session (交流分享).
type Share struct {
	ID         string    `json:"id"`
	SessionID  string    `json:"session_id"`
	MemberID   string    `json:"member_id"`
	Summary    string    `json:"summary"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

// Question is one question asked at a session (相互提问), with how well it
// was answered (rating 1–5).
type Question struct {
	ID         string    `json:"id"`
	SessionID  string    `json:"session_id"`
	AskerID    string    `json:"asker_id"`
	AnswererID string    `json:"answerer_id"`
	Question   string    `json:"question"`
	Rating     int       `json:"rating"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

// Minutes is everything recorded at a session besides attendance.
type Minutes struct {
	SessionID string       `json:"session_id"`
	Reading   *ReadingTurn `json:"reading"` // nil until recorded
	Shares    []Share      `json:"shares"`
	Questions []Question   `json:"questions"`
}

// OnlyMembers keeps the shares of the members keep accepts and the
// questions they answered (with the answer's rating): a member sees their
// own, a branch lead at an organisation-wide session their subtree's.
func (m *Minutes) OnlyMembers(keep func(memberID string) bool) {
	m.Shares = filter(m.Shares, func(s Share) bool { return keep(s.MemberID) })
	m.Questions = filter(m.Questions, func(q Question) bool { return keep(q.AnswererID) })
}

// Length limits of minutes fields, in characters.
const (
	maxMaterial = 500
	maxMinutes  = 5000 // notes, summaries, questions
)

// ReadingInput is the body of POST /sessions/{id}/reading.
type ReadingInput struct {
	LeadID   string `json:"lead_id"`
	Material string `json:"material"`
	Notes    string `json:"notes,omitempty"`
}

// Validate checks the input without touching the store.
func (in *ReadingInput) Validate() error {
	fe := FieldErrors{}
	in.LeadID = strings.TrimSpace(in.LeadID)
	in.Material = strings.TrimSpace(in.Material)
	in.Notes = strings.TrimSpace(in.Notes)
	vetMemberID(fe, "lead_id", in.LeadID)
	vetMinutesText(fe, "material", in.Material, maxMaterial, true)
	vetMinutesText(fe, "notes", in.Notes, maxMinutes, false)
	return fe.Err()
}

// ShareInput is the body of POST /sessions/{id}/shares.
type ShareInput struct {
	MemberID string `json:"member_id"`
	Summary  string `json:"summary"`
}

// Validate checks the input without touching the store.
func (in *ShareInput) Validate() error {
	fe := FieldErrors{}
	in.MemberID = strings.TrimSpace(in.MemberID)
	in.Summary = strings.TrimSpace(in.Summary)
	vetMemberID(fe, "member_id", in.MemberID)
	vetMinutesText(fe, "summary", in.Summary, maxMinutes, true)
	return fe.Err()
}

// QuestionInput is the body of POST /sessions/{id}/questions.
type QuestionInput struct {
	AskerID    string `json:"asker_id"`
	AnswererID string `json:"answerer_id"`
	Question   string `json:"question"`
	Rating     int    `json:"rating"`
}

// Validate checks the input without touching the store.
func (in *QuestionInput) Validate() error {
	fe := FieldErrors{}
	in.AskerID = strings.TrimSpace(in.AskerID)
	in.AnswererID = strings.TrimSpace(in.AnswererID)
	in.Question = strings.TrimSpace(in.Question)
	vetMemberID(fe, "asker_id", in.AskerID)
	vetMemberID(fe, "answerer_id", in.AnswererID)
	if in.AskerID != "" && in.AskerID == in.AnswererID {
		fe.Add("answerer_id", "must differ from asker_id")
	}
	vetMinutesText(fe, "question", in.Question, maxMinutes, true)
	if in.Rating < 1 || in.Rating > 5 {
		fe.Add("rating", "a whole number from 1 to 5")
	}
	return fe.Err()
}

func vetMemberID(fe FieldErrors, field, id string) {
	if id == "" {
		fe.Add(field, "required")
	} else if _, ok := idKey(id); !ok {
		fe.Add(field, "not a member id")
	}
}

// vetMinutesText checks free text: required when asked, at most max
// characters, valid UTF-8, no control characters but line breaks and tabs.
func vetMinutesText(fe FieldErrors, field, s string, max int, required bool) {
	switch {
	case s == "":
		if required {
			fe.Add(field, "required")
		}
	case !utf8.ValidString(s):
		fe.Add(field, "not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		fe.Add(field, "too long: at most "+strconv.Itoa(max)+" characters")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		fe.Add(field, "must not contain control characters")
	}
}

// minutesContext loads the session for a minutes write and checks that by
// may write them and that the session can have minutes: it must exist (404),
// by must lead over its group (403), and it must not be cancelled or still
// ahead (409).
func (s *Store) minutesContext(tx *bolt.Tx, by *Member, sessionID string) (*Session, *Tree, error) {
	sess, err := sessionRecord(tx, sessionID)
	if err != nil {
		return nil, nil, err
	}
	t, err := loadTree(tx)
	if err != nil {
		return nil, nil, err
	}
	if err := manageCheck(t, by, sess.GroupID, "minutes"); err != nil {
		return nil, nil, err
	}
	if sess.Cancelled {
		return nil, nil, Conflict("session_cancelled", "session %s was cancelled", sess.ID)
	}
	if sess.StartsAt.After(s.now()) {
		return nil, nil, Conflict("session_not_started", "session %s has not started yet: record its minutes once it has begun", sess.ID)
	}
	return sess, t, nil
}

// audienceMember checks that id names a member of the session's audience
// (their group in its subtree) active on its date; field names the input.
func (s *Store) audienceMember(tx *bolt.Tx, t *Tree, sess *Session, field, id string, leadsAllowed bool) error {
	m, err := getMember(tx, id)
	if IsKind(err, KindNotFound) {
		return Invalid(map[string]string{field: "no such member"})
	} else if err != nil {
		return err
	}
	if !m.ActiveOn(s.dateIn(sess.StartsAt)) {
		return Invalid(map[string]string{field: "not an active member on the session's date"})
	}
	if m.GroupID != "" && t.Covers(sess.GroupID, m.GroupID) {
		return nil
	}
	if leadsAllowed && m.Role == RoleLead && m.GroupID != "" && t.Covers(m.GroupID, sess.GroupID) {
		return nil
	}
	if leadsAllowed {
		return Invalid(map[string]string{field: "must be a member of the session's audience or a lead over its group"})
	}
	return Invalid(map[string]string{field: "not a member of the session's audience"})
}

// RecordReading records who led the reading at the session and what was
// read. by must lead over the session's group; lead_id must name an active
// member of the audience or a lead over the group. A session has one turn: a
// second call replaces it (replaced is true), and the audit entry keeps the
// old one. The turn's lead becomes the session's actual lead for the
// rotation, so recording another lead is a hand swap.
func (s *Store) RecordReading(ctx context.Context, by *Member, sessionID string, in ReadingInput) (turn *ReadingTurn, replaced bool, err error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		sess, t, err := s.minutesContext(tx, by, sessionID)
		if err != nil {
			return err
		}
		if err := s.audienceMember(tx, t, sess, "lead_id", in.LeadID, true); err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketTurns)
		key := keyOrZero(sess.ID)
		var old ReadingTurn
		found, err := getJSON(b, key, &old)
		if err != nil {
			return err
		}
		turn = &ReadingTurn{SessionID: sess.ID, LeadID: in.LeadID, Material: in.Material, Notes: in.Notes,
			RecordedAt: s.now().UTC(), RecordedBy: ActorFrom(ctx)}
		if err := putJSON(b, key, turn); err != nil {
			return err
		}
		replaced = found
		if found {
			return s.audit(ctx, tx, "update", "reading_turn", sess.ID, &old, turn)
		}
		return s.audit(ctx, tx, "create", "reading_turn", sess.ID, nil, turn)
	})
	if err != nil {
		return nil, false, err
	}
	return turn, replaced, nil
}

// RecordShare records a member's contribution at the session. by must lead
// over the session's group; member_id must name an active member of its
// audience.
func (s *Store) RecordShare(ctx context.Context, by *Member, sessionID string, in ShareInput) (*Share, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var sh *Share
	err := s.update(func(tx *bolt.Tx) error {
		sess, t, err := s.minutesContext(tx, by, sessionID)
		if err != nil {
			return err
		}
		if err := s.audienceMember(tx, t, sess, "member_id", in.MemberID, false); err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketShares)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		sh = &Share{ID: id, SessionID: sess.ID, MemberID: in.MemberID, Summary: in.Summary,
			RecordedAt: s.now().UTC(), RecordedBy: ActorFrom(ctx)}
		if err := putJSON(b, pairKey(keyOrZero(sess.ID), key), sh); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "share", id, nil, sh)
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// RecordQuestion records a question asked at the session. by must lead over
// the session's group; asker and answerer must be active members of its
// audience.
func (s *Store) RecordQuestion(ctx context.Context, by *Member, sessionID string, in QuestionInput) (*Question, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var q *Question
	err := s.update(func(tx *bolt.Tx) error {
		sess, t, err := s.minutesContext(tx, by, sessionID)
		if err != nil {
			return err
		}
		if err := s.audienceMember(tx, t, sess, "asker_id", in.AskerID, false); err != nil {
			return err
		}
		if err := s.audienceMember(tx, t, sess, "answerer_id", in.AnswererID, false); err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketQuestions)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		q = &Question{ID: id, SessionID: sess.ID, AskerID: in.AskerID, AnswererID: in.AnswererID,
			Question: in.Question, Rating: in.Rating, RecordedAt: s.now().UTC(), RecordedBy: ActorFrom(ctx)}
		if err := putJSON(b, pairKey(keyOrZero(sess.ID), key), q); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "question", id, nil, q)
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// Minutes returns the session's reading turn (nil when none), shares and
// questions, in the order they were recorded. It does not check who asks:
// the caller shows them with the session.
func (s *Store) Minutes(sessionID string) (*Minutes, error) {
	var out *Minutes
	err := s.view(func(tx *bolt.Tx) error {
		sess, err := sessionRecord(tx, sessionID)
		if err != nil {
			return err
		}
		out, err = minutesTx(tx, sess.ID)
		return err
	})
	return out, err
}

func minutesTx(tx *bolt.Tx, sessionID string) (*Minutes, error) {
	key := keyOrZero(sessionID)
	out := &Minutes{SessionID: sessionID, Shares: []Share{}, Questions: []Question{}}
	var turn ReadingTurn
	if found, err := getJSON(tx.Bucket(bucketTurns), key, &turn); err != nil {
		return nil, err
	} else if found {
		out.Reading = &turn
	}
	var err error
	if out.Shares, err = listPrefix[Share](tx.Bucket(bucketShares), key); err != nil {
		return nil, err
	}
	if out.Questions, err = listPrefix[Question](tx.Bucket(bucketQuestions), key); err != nil {
		return nil, err
	}
	return out, nil
}
