package store

import (
	"bytes"
	"encoding/json"
	"regexp"

	bolt "go.etcd.io/bbolt"
)

// The read and write points of the sealed fields (field_key.go): each
// record with a sensitive text is sealed in one place before it is stored
// or audited, and opened in one place after it is read.

// sealedLeave is the copy of r that is stored and audited.
func sealedLeave(tx *bolt.Tx, r LeaveRequest) *LeaveRequest {
	r.Reason = fieldsOf(tx).seal(fieldLeaveReason, r.Reason)
	return &r
}

// decodeLeave reads a stored leave request and opens its reason.
func decodeLeave(tx *bolt.Tx, v []byte) (LeaveRequest, error) {
	var r LeaveRequest
	if err := json.Unmarshal(v, &r); err != nil {
		return r, err
	}
	var err error
	r.Reason, err = fieldsOf(tx).open(fieldLeaveReason, r.Reason)
	return r, err
}

// sealedReport is the copy of r that is stored and audited.
func sealedReport(tx *bolt.Tx, r LearningReport) *LearningReport {
	r.Comment = fieldsOf(tx).seal(fieldReportComment, r.Comment)
	return &r
}

// decodeReport reads a stored learning report and opens its comment.
func decodeReport(tx *bolt.Tx, v []byte, r *LearningReport) error {
	if err := json.Unmarshal(v, r); err != nil {
		return err
	}
	var err error
	r.Comment, err = fieldsOf(tx).open(fieldReportComment, r.Comment)
	return err
}

// sealedAttendance is the copy of a that is stored and audited (nil stays
// nil).
func sealedAttendance(tx *bolt.Tx, a *Attendance) *Attendance {
	if a == nil {
		return nil
	}
	c := *a
	f := fieldsOf(tx)
	c.Note, c.MakeupNote = f.seal(fieldAttNote, c.Note), f.seal(fieldAttMakeupNote, c.MakeupNote)
	return &c
}

// decodeAttendanceTx reads a stored attendance record and opens its notes.
func decodeAttendanceTx(tx *bolt.Tx, key, v []byte) (*Attendance, error) {
	a, err := decodeAttendance(key, v)
	if err != nil {
		return nil, err
	}
	f := fieldsOf(tx)
	if a.Note, err = f.open(fieldAttNote, a.Note); err != nil {
		return nil, err
	}
	if a.MakeupNote, err = f.open(fieldAttMakeupNote, a.MakeupNote); err != nil {
		return nil, err
	}
	return a, nil
}

// sealFields is migration 10 and the key rotation: every sensitive field
// not sealed with the current key is (re)sealed with it, in tx.
func sealFields(tx *bolt.Tx) error {
	f := fieldsOf(tx)
	if f == nil {
		return errFieldKey
	}
	lb := tx.Bucket(bucketLeave)
	if err := rewriteEach(lb, func(v []byte) ([]byte, error) {
		var r LeaveRequest
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, err
		}
		s, err := f.reseal(fieldLeaveReason, r.Reason)
		if err != nil || s == r.Reason {
			return nil, err
		}
		r.Reason = s
		return json.Marshal(&r)
	}); err != nil {
		return err
	}
	if err := rewriteEach(tx.Bucket(bucketReports), func(v []byte) ([]byte, error) {
		var r LearningReport
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, err
		}
		s, err := f.reseal(fieldReportComment, r.Comment)
		if err != nil || s == r.Comment {
			return nil, err
		}
		r.Comment = s
		return json.Marshal(&r)
	}); err != nil {
		return err
	}
	ab := tx.Bucket(bucketAttendance)
	var fixes [][2][]byte
	err := ab.ForEach(func(k, v []byte) error {
		a, err := decodeAttendance(k, v)
		if err != nil {
			return err
		}
		n, err1 := f.reseal(fieldAttNote, a.Note)
		m, err2 := f.reseal(fieldAttMakeupNote, a.MakeupNote)
		if err1 != nil || err2 != nil {
			return errFieldKey
		}
		if n != a.Note || m != a.MakeupNote {
			a.Note, a.MakeupNote = n, m
			fixes = append(fixes, [2][]byte{copyBytes(k), encodeAttendance(a)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, kv := range fixes {
		if err := ab.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keyFieldsSealed, []byte{1})
}

// rewriteEach replaces each value of b for which fn returns new bytes.
func rewriteEach(b *bolt.Bucket, fn func(v []byte) ([]byte, error)) error {
	var fixes [][2][]byte
	if err := b.ForEach(func(k, v []byte) error {
		nv, err := fn(v)
		if err != nil {
			return err
		}
		if nv != nil {
			fixes = append(fixes, [2][]byte{copyBytes(k), nv})
		}
		return nil
	}); err != nil {
		return err
	}
	for _, kv := range fixes {
		if err := b.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// sealSnapshot seals the texts a period snapshot carries (the attendance
// notes, the evaluation comments) before it is stored; openSnapshot opens
// them after it is read. A snapshot taken before migration 10 keeps its
// texts as they were: its bytes are pinned by the lock's SHA-256.
func sealSnapshot(tx *bolt.Tx, ps *PeriodSnapshot) { snapshotTexts(tx, ps, true) }

func openSnapshot(tx *bolt.Tx, ps *PeriodSnapshot) error { return snapshotTexts(tx, ps, false) }

func snapshotTexts(tx *bolt.Tx, ps *PeriodSnapshot, seal bool) error {
	f := fieldsOf(tx)
	var firstErr error
	do := func(field string, v *string) {
		if seal {
			*v = f.seal(field, *v)
			return
		}
		plain, err := f.open(field, *v)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		*v = plain
	}
	for i := range ps.Sessions {
		recs := append([]Attendance(nil), ps.Sessions[i].Attendance...) // not the caller's slice
		for j := range recs {
			do(fieldAttNote, &recs[j].Note)
			do(fieldAttMakeupNote, &recs[j].MakeupNote)
		}
		ps.Sessions[i].Attendance = recs
	}
	for id, r := range ps.Reports {
		do(fieldReportComment, &r.Comment)
		ps.Reports[id] = r
	}
	for id, a := range ps.Activities {
		c := *a
		do(fieldReportComment, &c.ReportComment)
		c.Reports = append([]ActivityReport(nil), c.Reports...)
		for j := range c.Reports {
			do(fieldReportComment, &c.Reports[j].Comment)
		}
		ps.Activities[id] = &c
	}
	return firstErr
}

// sealedToken matches a sealed value as a JSON string.
var sealedToken = regexp.MustCompile(`"enc:[0-9a-f]{8}:[A-Za-z0-9+/]+"`)

// openAuditTexts returns an audit entry's before or after with its sealed
// texts opened, for those who may read the log (GET /audit and its export).
// The log stores, and its hashes cover, the sealed form; a text the key
// cannot open (a retired key) is shown sealed.
func openAuditTexts(tx *bolt.Tx, raw json.RawMessage) json.RawMessage {
	if !bytes.Contains(raw, []byte(`"`+sealedPrefix)) {
		return raw
	}
	f := fieldsOf(tx)
	return sealedToken.ReplaceAllFunc(raw, func(tok []byte) []byte {
		v := string(tok[1 : len(tok)-1])
		for _, field := range []string{fieldLeaveReason, fieldAttNote, fieldAttMakeupNote, fieldReportComment} {
			if plain, err := f.open(field, v); err == nil {
				out, _ := json.Marshal(plain)
				return out
			}
		}
		return tok
	})
}
