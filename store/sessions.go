package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// idleTracker remembers when each login session was last used, for the
// idle timeout. The time is kept in memory on every request and written to
// the token at most once a minute (touchEvery), so a restart loses under a
// minute of it and a check-in burst does not write per request.
type idleTracker struct {
	mu   sync.Mutex
	seen map[string]idleEntry
}

type idleEntry struct{ last, persisted time.Time }

const touchEvery = time.Minute

func (t *idleTracker) known(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.seen[key]
	return ok
}

// touch checks that the session key was used within idle and notes now.
// stored is the last use read from the store (zero on the cache path). An
// idle session is ended: 401 session_idle.
func (s *Store) touch(key string, now time.Time, idle time.Duration, stored time.Time) error {
	t := &s.idle
	t.mu.Lock()
	if t.seen == nil {
		t.seen = map[string]idleEntry{}
	}
	e := t.seen[key]
	if stored.After(e.last) {
		e.last = stored
	}
	if e.persisted.IsZero() {
		e.persisted = stored
	}
	if !e.last.IsZero() && now.Sub(e.last) > idle {
		delete(t.seen, key)
		t.mu.Unlock()
		_ = s.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketTokens).Delete([]byte(key)) })
		return Errorf(KindUnauthorized, "session_idle", "the session was idle for more than %s: log in again", idle)
	}
	e.last = now
	persist := now.Sub(e.persisted) >= touchEvery
	if persist {
		e.persisted = now
	}
	if len(t.seen) > 100000 {
		for k, x := range t.seen {
			if now.Sub(x.last) > idle {
				delete(t.seen, k)
			}
		}
	}
	t.seen[key] = e
	t.mu.Unlock()
	if !persist {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		var rec token
		found, err := getJSON(b, []byte(key), &rec)
		if err != nil || !found {
			return err
		}
		rec.LastSeen = now.UTC()
		return putJSON(b, []byte(key), rec)
	})
}

// LoginSession is one of an account's open login sessions, as its owner
// sees it. ID names it without being usable as a token.
type LoginSession struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	LastSeen  time.Time `json:"last_seen"`
	Address   string    `json:"address,omitempty"`
	Agent     string    `json:"agent,omitempty"`
	Current   bool      `json:"current"`
}

func sessionID(key []byte) string { return hex.EncodeToString(key[:8]) }

// LoginSessions lists memberID's open sessions, newest first; current is
// the token of the request, marked Current.
func (s *Store) LoginSessions(memberID, current string) ([]LoginSession, error) {
	now := s.now()
	cur := string(tokenKey(current))
	var out []LoginSession
	var keys []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
			var rec token
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if rec.MemberID != memberID || !now.Before(rec.ExpiresAt) {
				return nil
			}
			ls := LoginSession{ID: sessionID(k), CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt, LastSeen: rec.LastSeen,
				Address: rec.Address, Agent: rec.Agent, Current: string(k) == cur}
			if ls.LastSeen.IsZero() {
				ls.LastSeen = rec.CreatedAt
			}
			out = append(out, ls)
			keys = append(keys, string(k))
			return nil
		})
	})
	s.idle.mu.Lock()
	for i, k := range keys {
		if e, ok := s.idle.seen[k]; ok && e.last.After(out[i].LastSeen) {
			out[i].LastSeen = e.last.UTC()
		}
	}
	s.idle.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, err
}

// EndLoginSession ends one of memberID's sessions by its ID (a security
// event); another account's session is not found.
func (s *Store) EndLoginSession(ctx context.Context, memberID, id string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		var dead []byte
		if err := b.ForEach(func(k, v []byte) error {
			if sessionID(k) != id {
				return nil
			}
			var rec token
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if rec.MemberID == memberID {
				dead = copyBytes(k)
			}
			return nil
		}); err != nil {
			return err
		}
		if dead == nil {
			return NotFound("session", id)
		}
		if err := b.Delete(dead); err != nil {
			return err
		}
		return s.audit(ctx, tx, "session_end", "security", memberID, nil, map[string]any{"session": id})
	})
}
