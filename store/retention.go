package store

import (
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keyAuditBase records the last audit entry removed by PruneAudit: its
// sequence number and hash, where VerifyAudit picks the chain up.
var keyAuditBase = []byte("audit_base")

type auditBaseRec struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// auditBase returns the hash the first kept entry must chain to and its
// sequence number: "" and 1 when nothing was ever pruned.
func auditBase(tx *bolt.Tx) (string, uint64) {
	var b auditBaseRec
	if v := tx.Bucket(bucketMeta).Get(keyAuditBase); v != nil && json.Unmarshal(v, &b) == nil {
		return b.Hash, b.Seq + 1
	}
	return "", 1
}

// PruneAudit removes the audit entries older than before, keeping the
// chain verifiable from the first kept entry. It refuses (409
// audit_retention) a cut-off inside the retention period
// (security.audit_retention_days, never under 180 days): no entry younger
// than that is ever removed. The prune itself is audited.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int, error) {
	keep := s.SecurityPolicy().AuditRetention
	if keep < MinAuditRetention {
		keep = MinAuditRetention
	}
	if limit := s.now().Add(-keep); before.After(limit) {
		return 0, Errorf(KindConflict, "audit_retention", "audit entries are kept %d days: the cut-off must be on or before %s",
			int(keep/(24*time.Hour)), limit.In(s.loc).Format(DateLayout))
	}
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var last auditBaseRec
		for k, v := c.First(); k != nil; k, v = c.First() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !e.At.Before(before) {
				break
			}
			last = auditBaseRec{Seq: e.Seq, Hash: e.Hash}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		data, _ := json.Marshal(last)
		if err := tx.Bucket(bucketMeta).Put(keyAuditBase, data); err != nil {
			return err
		}
		return s.audit(ctx, tx, "audit_prune", "security", "audit", nil, map[string]any{"removed": n, "before": before.UTC(), "through_seq": last.Seq})
	})
	return n, err
}
