package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var keyAuditHead = []byte("audit_head")

// AuditEntry is one change to the store: who, when, what, before and after.
// Entries are hash-chained: Hash covers every other field including PrevHash,
// so editing or deleting any entry breaks the chain (see VerifyAudit).
type AuditEntry struct {
	Seq      uint64          `json:"seq"`
	At       time.Time       `json:"at"`
	ActorID  string          `json:"actor_id"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	Flag     string          `json:"flag,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash,omitempty"`
}

// digest is the entry's MAC: HMAC-SHA256 under key of the entry's JSON
// without its hash (plain SHA-256 when key is nil: entries written before
// the chain was keyed). It returns that JSON too, so appendAudit encodes
// each entry once: the stored value is the same JSON with the hash spliced
// in as the last field.
func (e *AuditEntry) digest(key []byte) (string, []byte, error) {
	c := *e
	c.Hash = ""
	data, err := json.Marshal(c)
	if err != nil {
		return "", nil, err
	}
	if key == nil {
		sum := sha256.Sum256(data)
		return hex.EncodeToString(sum[:]), data, nil
	}
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil)), data, nil
}

type auditFlagKey struct{}

// WithAuditFlag marks every audit entry written under ctx with flag (for
// example "locked_period" for an admin's edit of a locked period).
func WithAuditFlag(ctx context.Context, flag string) context.Context {
	return context.WithValue(ctx, auditFlagKey{}, flag)
}

// audit appends an entry inside tx, the transaction of the write it records.
// before and after are encoded as JSON; nil means "did not exist".
func (s *Store) audit(ctx context.Context, tx *bolt.Tx, action, entity, id string, before, after any) error {
	e := AuditEntry{At: s.now().UTC(), ActorID: ActorFrom(ctx), Action: action, Entity: entity, EntityID: id}
	if f, ok := ctx.Value(auditFlagKey{}).(string); ok {
		e.Flag = f
	}
	var err error
	if e.Before, err = rawJSON(before); err != nil {
		return err
	}
	if e.After, err = rawJSON(after); err != nil {
		return err
	}
	return s.appendAudit(tx, &e)
}

// appendAudit chains e onto the log, keyed, and stores it.
func (s *Store) appendAudit(tx *bolt.Tx, e *AuditEntry) error {
	if s.auditKey == nil {
		return errors.New("audit: no key (opened read-only without the audit key)")
	}
	b := tx.Bucket(bucketAudit)
	meta := tx.Bucket(bucketMeta)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	e.PrevHash = string(meta.Get(keyAuditHead))
	h, data, err := e.digest(s.auditKey)
	if err != nil {
		return err
	}
	e.Hash = h
	// The log only grows at its end: full pages mean fewer pages written.
	b.FillPercent = 1.0
	value := make([]byte, 0, len(data)+len(h)+12)
	value = append(append(append(value, data[:len(data)-1]...), `,"hash":"`...), h...)
	value = append(value, `"}`...)
	if err := b.Put(itob(seq), value); err != nil {
		return err
	}
	return meta.Put(keyAuditHead, []byte(h))
}

// AuditHead returns the hash of the newest audit entry: the chain head
// every report prints.
func (s *Store) AuditHead() (string, error) {
	var h string
	err := s.view(func(tx *bolt.Tx) error {
		h = string(tx.Bucket(bucketMeta).Get(keyAuditHead))
		return nil
	})
	return h, err
}

func rawJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if r, ok := v.(json.RawMessage); ok {
		return r, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(data, []byte("null")) {
		return nil, nil
	}
	return data, nil
}

// AuditFilter selects audit entries; zero fields do not filter.
type AuditFilter struct {
	From, To time.Time // At in [From, To)
	Entity   string
	EntityID string
	Limit    int // newest first when set; default 1000
	// Before pages back: only entries with Seq < Before (0: from the
	// newest).
	Before uint64
}

// Audit lists entries, newest first (AuditEach into a slice).
func (s *Store) Audit(f AuditFilter) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.AuditEach(f, nil, func(e *AuditEntry) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

// auditChunk is how many entries AuditEach reads in one read transaction.
var auditChunk = 256

// AuditEach hands fn the entries of f, newest first, at most f.Limit of
// them (default 1000), leaving out those keep refuses (nil keeps all; the
// entries left out do not count towards the limit). It reads them a chunk
// at a time, each chunk in its own short read transaction, and hands a
// chunk to fn before reading the next: memory holds one chunk whatever the
// limit, and a slow fn (a slow client of GET /audit) never holds a
// transaction open.
func (s *Store) AuditEach(f AuditFilter, keep func(*AuditEntry) bool, fn func(*AuditEntry) error) error {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	before, n := f.Before, 0
	for n < f.Limit {
		var chunk []AuditEntry
		done := false
		err := s.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketAudit).Cursor()
			var k, v []byte
			if before == 0 {
				k, v = c.Last()
			} else if at, _ := c.Seek(itob(before)); at == nil {
				k, v = c.Last() // the newest entry with Seq < before
			} else {
				k, v = c.Prev()
			}
			for scanned := 0; ; k, v = c.Prev() {
				if k == nil {
					done = true
					return nil
				}
				if scanned == auditChunk || n+len(chunk) == f.Limit {
					return nil
				}
				scanned++
				before = btoi(k)
				var e AuditEntry
				if err := json.Unmarshal(v, &e); err != nil {
					return err
				}
				if !f.From.IsZero() && e.At.Before(f.From) {
					done = true // entries are in time order
					return nil
				}
				if !f.To.IsZero() && !e.At.Before(f.To) {
					continue
				}
				if (f.Entity != "" && e.Entity != f.Entity) || (f.EntityID != "" && e.EntityID != f.EntityID) {
					continue
				}
				if keep != nil && !keep(&e) {
					continue
				}
				e.Before, e.After = openAuditTexts(tx, e.Before), openAuditTexts(tx, e.After)
				chunk = append(chunk, e)
			}
		})
		if err != nil {
			return err
		}
		for i := range chunk {
			if err := fn(&chunk[i]); err != nil {
				return err
			}
		}
		n += len(chunk)
		if done || before <= 1 {
			return nil
		}
	}
	return nil
}

// AuditCheck is the result of checking the audit chain (GET /audit/verify,
// `studyroll audit verify`).
type AuditCheck struct {
	OK        bool      `json:"ok"`
	Entries   int       `json:"entries"` // entries checked
	Head      string    `json:"head"`    // the stored chain head
	CheckedAt time.Time `json:"checked_at"`
	// FirstBad is the sequence number of the first entry that fails, nil
	// when the chain is intact; Problem says how it fails.
	FirstBad *uint64 `json:"first_bad,omitempty"`
	Problem  string  `json:"problem,omitempty"`
}

// CheckAudit walks the whole chain in one read transaction and reports the
// first entry that was edited, deleted or inserted (its MAC or its link to
// the previous entry does not match), or a missing tail. Entries from the
// keyed start on are checked with the key: an edit re-chained without the
// key fails at the edited entry.
func (s *Store) CheckAudit() AuditCheck {
	res := AuditCheck{CheckedAt: s.now().UTC()}
	bad := func(seq uint64, format string, args ...any) error {
		res.FirstBad = &seq
		res.Problem = fmt.Sprintf("audit entry %d: ", seq) + fmt.Sprintf(format, args...)
		return errBadChain
	}
	err := s.view(func(tx *bolt.Tx) error {
		res.Head = string(tx.Bucket(bucketMeta).Get(keyAuditHead))
		from := keyedFrom(tx)
		prev, want := auditBase(tx) // after a prune (retention.go): the last pruned entry
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return bad(btoi(k), "unreadable: %v", err)
			}
			if btoi(k) != want || e.Seq != want {
				return bad(want, "missing (found %d next)", btoi(k))
			}
			if e.PrevHash != prev {
				return bad(e.Seq, "chain broken (the previous entry was changed or removed)")
			}
			var key []byte
			if from > 0 && e.Seq >= from {
				if s.auditKey == nil {
					return bad(e.Seq, "keyed, but no audit key was given to check it")
				}
				key = s.auditKey
				if e.Seq == from && from > 1 && (e.Action != "key" || e.Entity != "audit") {
					return bad(e.Seq, "the keyed chain must start with its key entry")
				}
			}
			h, _, err := e.digest(key)
			if err != nil {
				return err
			}
			if h != e.Hash {
				return bad(e.Seq, "content does not match its MAC (edited)")
			}
			prev = e.Hash
			want++
			res.Entries++
		}
		if from > 1 && want <= from && tx.Bucket(bucketAudit).Sequence() >= from {
			return bad(from, "missing: the keyed chain's key entry is gone")
		}
		if res.Head != prev {
			return bad(want, "missing: the log ends at entry %d but the head names a later entry (entries were removed from the end)", want-1)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errBadChain) {
		res.Problem = err.Error()
		return res
	}
	res.OK = res.FirstBad == nil && res.Problem == ""
	return res
}

var errBadChain = errors.New("audit chain broken")

// VerifyAudit is CheckAudit as (entries checked, error naming the first
// bad entry).
func (s *Store) VerifyAudit() (int, error) {
	r := s.CheckAudit()
	if !r.OK {
		return r.Entries, errors.New(r.Problem)
	}
	return r.Entries, nil
}
