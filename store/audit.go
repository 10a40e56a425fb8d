package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// digest hashes the entry's JSON without its hash. It returns that JSON too,
// so appendAudit encodes each entry once: the stored value is the same JSON
// with the hash spliced in as the last field.
func (e *AuditEntry) digest() (string, []byte, error) {
	c := *e
	c.Hash = ""
	data, err := json.Marshal(c)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), data, nil
}

type auditFlagKey struct{}

// WithAuditFlag marks every audit entry written under ctx with flag (for
// example "locked_period" for an admin's edit of a locked period).
func WithAuditFlag(ctx context.Context, flag string) context.Context {
	return context.WithValue(ctx, auditFlagKey{}, flag)
}

// audit appends an entry inside tx, the transaction of the write it records.
// before and after are encoded as JSON; nil means "did not exist".
func (s *Store) audit(tx *bolt.Tx, ctx context.Context, action, entity, id string, before, after any) error {
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
	return appendAudit(tx, &e)
}

// appendAudit chains e onto the log and stores it.
func appendAudit(tx *bolt.Tx, e *AuditEntry) error {
	b := tx.Bucket(bucketAudit)
	meta := tx.Bucket(bucketMeta)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	e.PrevHash = string(meta.Get(keyAuditHead))
	h, data, err := e.digest()
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
}

// Audit lists entries, newest first.
func (s *Store) Audit(f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	var out []AuditEntry
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil && len(out) < f.Limit; k, v = c.Prev() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !f.From.IsZero() && e.At.Before(f.From) {
				break // entries are in time order
			}
			if !f.To.IsZero() && !e.At.Before(f.To) {
				continue
			}
			if (f.Entity != "" && e.Entity != f.Entity) || (f.EntityID != "" && e.EntityID != f.EntityID) {
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// VerifyAudit walks the whole chain and reports the first entry that was
// edited, deleted or inserted, or a missing tail. It returns the number of
// entries checked.
func (s *Store) VerifyAudit() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		prev, want := auditBase(tx) // after a prune (retention.go): the last pruned entry
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit entry %d: unreadable: %w", btoi(k), err)
			}
			if btoi(k) != want || e.Seq != want {
				return fmt.Errorf("audit entry %d missing (found %d next)", want, btoi(k))
			}
			if e.PrevHash != prev {
				return fmt.Errorf("audit entry %d: chain broken (previous entry changed or removed)", e.Seq)
			}
			h, _, err := e.digest()
			if err != nil {
				return err
			}
			if h != e.Hash {
				return fmt.Errorf("audit entry %d: content does not match its hash (edited)", e.Seq)
			}
			prev = e.Hash
			want++
			n++
		}
		if head := string(tx.Bucket(bucketMeta).Get(keyAuditHead)); head != prev {
			return fmt.Errorf("audit log ends at entry %d but the head names a later entry: entries were removed from the end", want-1)
		}
		return nil
	})
	return n, err
}
