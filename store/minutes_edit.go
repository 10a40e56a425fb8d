package store

import (
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

// Corrections of what was recorded at a session: a lead over its group (or
// an admin) may rewrite or delete a share or a question and delete the
// reading turn, until the session's period is locked (then only an admin,
// audited). Each change is audited with the record before and after.

// entryKey finds the key of a session's share or question, 404 when the
// session has no such entry.
func entryKey(tx *bolt.Tx, bucket []byte, entity, sessionID, entryID string) ([]byte, []byte, error) {
	ek, ok := idKey(entryID)
	if !ok {
		return nil, nil, NotFound(entity, entryID)
	}
	key := pairKey(keyOrZero(sessionID), ek)
	v := tx.Bucket(bucket).Get(key)
	if v == nil {
		return nil, nil, NotFound(entity, entryID)
	}
	return key, copyBytes(v), nil
}

// UpdateShare rewrites a share of the session.
func (s *Store) UpdateShare(ctx context.Context, by *Member, sessionID, shareID string, in ShareInput) (*Share, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var sh *Share
	err := s.update(func(tx *bolt.Tx) error {
		sess, t, err := s.minutesContext(tx, by, sessionID)
		if err != nil {
			return err
		}
		key, v, err := entryKey(tx, bucketShares, "share", sess.ID, shareID)
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
		var old Share
		if err := json.Unmarshal(v, &old); err != nil {
			return err
		}
		nsh := old
		nsh.MemberID, nsh.Summary, nsh.RecordedAt, nsh.RecordedBy = in.MemberID, in.Summary, s.now().UTC(), ActorFrom(ctx)
		sh = &nsh
		if err := putJSON(tx.Bucket(bucketShares), key, sh); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "share", old.ID, &old, sh)
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// UpdateQuestion rewrites a question of the session.
func (s *Store) UpdateQuestion(ctx context.Context, by *Member, sessionID, questionID string, in QuestionInput) (*Question, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var q *Question
	err := s.update(func(tx *bolt.Tx) error {
		sess, t, err := s.minutesContext(tx, by, sessionID)
		if err != nil {
			return err
		}
		key, v, err := entryKey(tx, bucketQuestions, "question", sess.ID, questionID)
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
		var old Question
		if err := json.Unmarshal(v, &old); err != nil {
			return err
		}
		nq := old
		nq.AskerID, nq.AnswererID, nq.Question, nq.Rating = in.AskerID, in.AnswererID, in.Question, in.Rating
		nq.RecordedAt, nq.RecordedBy = s.now().UTC(), ActorFrom(ctx)
		q = &nq
		if err := putJSON(tx.Bucket(bucketQuestions), key, q); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "question", old.ID, &old, q)
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// DeleteMinutesEntry deletes a share ("share") or a question ("question")
// of the session, or its reading turn ("reading_turn", entryID ignored).
func (s *Store) DeleteMinutesEntry(ctx context.Context, by *Member, sessionID, entity, entryID string) error {
	return s.update(func(tx *bolt.Tx) error {
		sess, _, err := s.minutesContext(tx, by, sessionID)
		if err != nil {
			return err
		}
		var key, v []byte
		var bucket []byte
		switch entity {
		case "share":
			bucket = bucketShares
		case "question":
			bucket = bucketQuestions
		case "reading_turn":
			bucket, entryID = bucketTurns, sess.ID
			key = keyOrZero(sess.ID)
			if v = tx.Bucket(bucket).Get(key); v == nil {
				return NotFound("reading_turn", sess.ID)
			}
			v = copyBytes(v)
		default:
			return NotFound(entity, entryID)
		}
		if key == nil {
			if key, v, err = entryKey(tx, bucket, entity, sess.ID, entryID); err != nil {
				return err
			}
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucket).Delete(key); err != nil {
			return err
		}
		return s.audit(ctx, tx, "delete", entity, entryID, json.RawMessage(v), nil)
	})
}
