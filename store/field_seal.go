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

// openLeave opens the reason of a leave request read from the store.
func openLeave(tx *bolt.Tx, r *LeaveRequest) (err error) {
	r.Reason, err = fieldsOf(tx).open(fieldLeaveReason, r.Reason)
	return err
}

// openReport opens the comment of a learning report read from the store.
func openReport(tx *bolt.Tx, r *LearningReport) (err error) {
	r.Comment, err = fieldsOf(tx).open(fieldReportComment, r.Comment)
	return err
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

// The texts a locked period's snapshot carries (attendance notes in the
// session parts; evaluation comments in the activities and reports of part
// "o", or inline in a snapshot written before Format 2) are sealed when the
// snapshot is taken and opened by FrozenRecords. A snapshot taken before
// migration 10 keeps its texts in clear until the next key rotation.

// sealedRecs returns a copy of recs with the notes sealed.
func sealedRecs(tx *bolt.Tx, recs []Attendance) []Attendance {
	f := fieldsOf(tx)
	out := append([]Attendance(nil), recs...)
	for i := range out {
		out[i].Note, out[i].MakeupNote = f.seal(fieldAttNote, out[i].Note), f.seal(fieldAttMakeupNote, out[i].MakeupNote)
	}
	return out
}

// textsFn seals or opens one text in place.
type textsFn func(field string, v *string)

// withTexts calls do on every sealed text of the records, copying what it
// changes (the maps and slices may be shared with a cached snapshot).
func withTexts(sessions map[string][]SnapshotSession, activities *map[string]*Activity, reports *map[string]LearningReport, do textsFn) {
	for g, list := range sessions {
		list = append([]SnapshotSession(nil), list...)
		for i := range list {
			recs := append([]Attendance(nil), list[i].Attendance...)
			for j := range recs {
				do(fieldAttNote, &recs[j].Note)
				do(fieldAttMakeupNote, &recs[j].MakeupNote)
			}
			list[i].Attendance = recs
		}
		sessions[g] = list
	}
	if *activities != nil {
		acts := make(map[string]*Activity, len(*activities))
		for id, a := range *activities {
			c := *a
			do(fieldReportComment, &c.ReportComment)
			c.Reports = append([]ActivityReport(nil), c.Reports...)
			for j := range c.Reports {
				do(fieldReportComment, &c.Reports[j].Comment)
			}
			acts[id] = &c
		}
		*activities = acts
	}
	if *reports != nil {
		reps := make(map[string]LearningReport, len(*reports))
		for id, r := range *reports {
			do(fieldReportComment, &r.Comment)
			reps[id] = r
		}
		*reports = reps
	}
}

// sealer and opener are the textsFn of a cipher; opener keeps the first
// error.
func sealer(f *fieldCipher) textsFn {
	return func(field string, v *string) { *v = f.seal(field, *v) }
}

func opener(f *fieldCipher, firstErr *error) textsFn {
	return func(field string, v *string) {
		plain, err := f.open(field, *v)
		if err != nil && *firstErr == nil {
			*firstErr = err
		}
		*v = plain
	}
}

// sealOther seals the comments of a snapshot's part "o".
func sealOther(tx *bolt.Tx, o *snapshotOther) {
	withTexts(nil, &o.Activities, &o.Reports, sealer(fieldsOf(tx)))
}

// openRecords opens the texts of records read from a snapshot.
func (s *Store) openRecords(out *SnapshotRecords) error {
	var err error
	f, _ := fieldCiphers.Load(s.db)
	c, _ := f.(*fieldCipher)
	withTexts(out.Sessions, &out.Activities, &out.Reports, opener(c, &err))
	return err
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
