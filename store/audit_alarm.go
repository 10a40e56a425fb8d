package store

import (
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

// The daily audit_verify job raises an alarm when the chain does not verify:
// the failed check is kept in the meta bucket until a later check passes,
// and GET /warnings shows it to admins as an audit_chain_broken warning.

var keyAuditAlarm = []byte("audit_alarm")

// WarningAuditChain is the kind of the admin's warning that the audit chain
// did not verify.
const WarningAuditChain = "audit_chain_broken"

// RecordAuditCheck keeps the result of a scheduled chain check: a failed
// check is stored as the alarm (audited: action "alarm", entity "audit");
// a passing one clears a standing alarm (audited: "clear"). A pass with no
// alarm standing writes nothing.
func (s *Store) RecordAuditCheck(ctx context.Context, r AuditCheck) error {
	return s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		old := meta.Get(keyAuditAlarm)
		if r.OK {
			if old == nil {
				return nil
			}
			if err := meta.Delete(keyAuditAlarm); err != nil {
				return err
			}
			return s.audit(ctx, tx, "clear", "audit", "alarm", json.RawMessage(append([]byte(nil), old...)), nil)
		}
		data, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := meta.Put(keyAuditAlarm, data); err != nil {
			return err
		}
		var before any
		if old != nil {
			before = json.RawMessage(append([]byte(nil), old...))
		}
		return s.audit(ctx, tx, "alarm", "audit", "alarm", before, json.RawMessage(data))
	})
}

// AuditAlarm returns the standing failed check, nil when there is none.
func (s *Store) AuditAlarm() (*AuditCheck, error) {
	var out *AuditCheck
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyAuditAlarm)
		if v == nil {
			return nil
		}
		out = &AuditCheck{}
		return json.Unmarshal(v, out)
	})
	return out, err
}

// AuditWarning is the standing alarm as a warning for GET /warnings:
// kind audit_chain_broken, count the first bad entry's seq (when known),
// from the date of the check, detail the problem.
func (s *Store) AuditWarning() (*Warning, error) {
	a, err := s.AuditAlarm()
	if err != nil || a == nil {
		return nil, err
	}
	w := &Warning{Kind: WarningAuditChain, From: a.CheckedAt.In(s.loc).Format(DateLayout),
		Detail: "the audit chain does not verify: " + a.Problem}
	if a.FirstBad != nil {
		w.Count = int(*a.FirstBad)
	}
	return w, nil
}
