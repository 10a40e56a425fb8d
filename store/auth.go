package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// token is a login token as stored: keyed by the SHA-256 of the token, so a
// copy of the store does not hand out sessions.
type token struct {
	MemberID  string    `json:"member_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// LastSeen is when the session was last used, written at most once a
	// minute (sessions.go); zero: not since CreatedAt.
	LastSeen time.Time `json:"last_seen,omitzero"`
	// Address and Agent describe the login, for the owner's session list.
	Address string `json:"address,omitempty"`
	Agent   string `json:"agent,omitempty"`
}

func tokenKey(t string) []byte {
	sum := sha256.Sum256([]byte(t))
	return sum[:]
}

// dummyHash is compared for an unknown username, so that a login for one
// takes as long as a login for a real account: it is made at the store's
// bcrypt cost, the cost of the real hashes.
func (s *Store) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("not a password"), s.cost)
	})
	return s.dummy
}

// CheckPassword returns the member whose username and password match, or an
// Unauthorized error that does not say which of the two was wrong. A closed
// account answers account_closed whether or not the password was right, so
// the answer never confirms a password.
func (s *Store) CheckPassword(username, password string) (*Member, error) {
	var m *Member
	var hash []byte
	err := s.view(func(tx *bolt.Tx) error {
		k := usernameKey(tx, username)
		if k == nil {
			return nil
		}
		var err error
		if m, err = getMember(tx, keyID(k)); err != nil {
			return err
		}
		hash = copyBytes(tx.Bucket(bucketCredentials).Get(k))
		return nil
	})
	if err != nil {
		return nil, err
	}
	bad := Errorf(KindUnauthorized, "bad_credentials", "wrong username or password")
	if m == nil || hash == nil {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
		return nil, bad
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if m.LeftOn != "" && m.LeftOn <= s.Today() {
		return nil, Errorf(KindUnauthorized, "account_closed", "this account is closed")
	}
	if !ok {
		return nil, bad
	}
	return m, nil
}

// CreateToken starts a login session for the member, valid for ttl.
func (s *Store) CreateToken(ctx context.Context, memberID string, ttl time.Duration) (string, time.Time, error) {
	return s.CreateTokenFrom(ctx, memberID, ttl, "", "")
}

// CreateTokenFrom is CreateToken noting the client's address and user
// agent, shown in the owner's list of sessions.
func (s *Store) CreateTokenFrom(ctx context.Context, memberID string, ttl time.Duration, address, agent string) (string, time.Time, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	if len(agent) > 200 {
		agent = agent[:200]
	}
	rec := token{MemberID: memberID, CreatedAt: now.UTC(), ExpiresAt: now.Add(ttl).UTC(), Address: address, Agent: agent}
	err := s.update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketTokens), tokenKey(tok), rec); err != nil {
			return err
		}
		return s.audit(ctx, tx, "login", "member", memberID, nil, map[string]any{"expires_at": rec.ExpiresAt})
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return tok, rec.ExpiresAt, nil
}

// Authenticate returns the member a token belongs to. Unknown, expired and
// closed-account tokens are Unauthorized.
func (s *Store) Authenticate(tok string) (*Member, error) {
	if tok == "" {
		return nil, Errorf(KindUnauthorized, "unauthorized", "log in first")
	}
	key := string(tokenKey(tok))
	now := s.now()
	idle := s.SecurityPolicy().IdleTimeout
	if m, ok := s.auth.get(key, now); ok && (idle == 0 || s.idle.known(key)) {
		if m.LeftOn != "" && m.LeftOn <= s.Today() {
			return nil, Errorf(KindUnauthorized, "account_closed", "this account was closed")
		}
		if idle > 0 {
			if err := s.touch(key, now, idle, time.Time{}); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	gen := s.auth.generation()
	var m *Member
	var expires, lastSeen time.Time
	err := s.view(func(tx *bolt.Tx) error {
		var rec token
		found, err := getJSON(tx.Bucket(bucketTokens), tokenKey(tok), &rec)
		if err != nil {
			return err
		}
		if !found {
			return Errorf(KindUnauthorized, "unauthorized", "unknown or ended session: log in again")
		}
		if !now.Before(rec.ExpiresAt) {
			return Errorf(KindUnauthorized, "token_expired", "the session expired: log in again")
		}
		expires = rec.ExpiresAt
		lastSeen = rec.LastSeen
		if lastSeen.IsZero() {
			lastSeen = rec.CreatedAt
		}
		m, err = getMember(tx, rec.MemberID)
		if IsKind(err, KindNotFound) {
			return Errorf(KindUnauthorized, "unauthorized", "unknown account")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.LeftOn != "" && m.LeftOn <= s.Today() {
		return nil, Errorf(KindUnauthorized, "account_closed", "this account was closed")
	}
	if idle > 0 {
		if err := s.touch(key, now, idle, lastSeen); err != nil {
			return nil, err
		}
	}
	s.auth.put(key, gen, authEntry{member: *m, expires: expires, cached: now})
	return m, nil
}

// DeleteToken ends a login session (logout). Unknown tokens are ignored.
func (s *Store) DeleteToken(ctx context.Context, tok string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		var rec token
		found, err := getJSON(b, tokenKey(tok), &rec)
		if err != nil || !found {
			return err
		}
		if err := b.Delete(tokenKey(tok)); err != nil {
			return err
		}
		return s.audit(ctx, tx, "logout", "member", rec.MemberID, nil, nil)
	})
}

// PruneTokens removes expired tokens and returns how many; a prune that
// removed any is audited (action "prune", entity "token", the count).
func (s *Store) PruneTokens() (int, error) {
	n := 0
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		c := tx.Bucket(bucketTokens).Cursor()
		for k, v := c.First(); k != nil; {
			var rec token
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if !now.Before(rec.ExpiresAt) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
				k, v = c.Seek(k)
				continue
			}
			k, v = c.Next()
		}
		if n == 0 {
			return nil
		}
		return s.audit(WithActor(context.Background(), "system"), tx, "prune", "token", "", nil, map[string]any{"expired": n})
	})
	return n, err
}

func deleteTokensOf(tx *bolt.Tx, memberID string) error {
	b := tx.Bucket(bucketTokens)
	var dead [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		var rec token
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		if rec.MemberID == memberID {
			dead = append(dead, copyBytes(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Bootstrap creates the first account, "admin", when the store has none
// (on a level3 store: the three administrator accounts, the first one's
// password being password). It returns the password it set, and
// created=false when accounts exist. An empty password draws a random one.
func (s *Store) Bootstrap(ctx context.Context, password string) (pw string, created bool, err error) {
	env := map[string]string{}
	for _, a := range BootstrapAccounts(s.Profile()) {
		env[a.Env] = password
	}
	made, err := s.BootstrapProfile(ctx, env)
	if err != nil || len(made) == 0 {
		return "", false, err
	}
	return made[0].Password, true, nil
}

// CreateTokens starts login sessions for many members in one transaction
// (the bench logs in thousands of members at once). It returns the tokens in
// the order of memberIDs.
func (s *Store) CreateTokens(ctx context.Context, memberIDs []string, ttl time.Duration) ([]string, error) {
	toks := make([]string, len(memberIDs))
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		for i, id := range memberIDs {
			raw := make([]byte, 32)
			if _, err := rand.Read(raw); err != nil {
				return err
			}
			toks[i] = base64.RawURLEncoding.EncodeToString(raw)
			rec := token{MemberID: id, CreatedAt: now.UTC(), ExpiresAt: now.Add(ttl).UTC()}
			if err := putJSON(b, tokenKey(toks[i]), rec); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, "login", "members", "", nil, map[string]any{"count": len(memberIDs)})
	})
	return toks, err
}
