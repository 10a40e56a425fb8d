package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Status is one member's attendance at one session (考勤).
type Status uint8

// The attendance statuses. StatusNone means no record.
const (
	StatusNone Status = iota
	StatusPresent
	StatusLate
	StatusLeave
	StatusAbsent
)

var statusNames = [...]string{"", "present", "late", "leave", "absent"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// ParseStatus reads "present", "late", "leave" or "absent".
func ParseStatus(s string) (Status, bool) {
	for i, n := range statusNames {
		if i > 0 && n == s {
			return Status(i), true
		}
	}
	return StatusNone, false
}

// MarshalJSON writes the status name.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a status name.
func (s *Status) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	st, ok := ParseStatus(name)
	if !ok {
		return fmt.Errorf("status %q: want present, late, leave or absent", name)
	}
	*s = st
	return nil
}

// Attendance is one member's record at one session, with its make-up.
type Attendance struct {
	SessionID   string     `json:"session_id"`
	MemberID    string     `json:"member_id"`
	Status      Status     `json:"status"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
	Source      string     `json:"source"` // self, lead, leave, close
	Note        string     `json:"note,omitempty"`
	MakeupOn    string     `json:"makeup_on,omitempty"`
	MakeupNote  string     `json:"makeup_note,omitempty"`
	// MakeupRecordedAt is when the make-up was recorded (not its date);
	// left out for a make-up recorded before this was kept.
	MakeupRecordedAt *time.Time `json:"makeup_recorded_at,omitempty"`
	UpdatedAt        time.Time  `json:"updated_at"`
	UpdatedBy        string     `json:"updated_by"`
}

var attendanceSources = []string{"", "self", "lead", "leave", "close"}

// Attendance records are the largest bucket (a million in a big organ), so
// they use a compact binary value instead of JSON; the key is
// session id (8 bytes) + member id (8 bytes):
//
//	0      version (1; 2 when the make-up's recording time follows)
//	1      status
//	2      source index
//	3      flags (bit 0: make-up recorded)
//	4..7   make-up date, days since 1970-01-01 (int32, big-endian)
//	8..15  checked_in_at, Unix ns (0 = none)
//	16..23 updated_at, Unix ns
//	24…    updated_by, note, makeup_note: each uvarint length + UTF-8 bytes
//	then   version 2 only: makeup_recorded_at, Unix ns (8 bytes)
//
// This file is the one place that knows the layout: the rates read a
// record's status and make-up flag through attCode, never the bytes.
const attendanceHeader = 24

// attendance value byte of attCode: status in the low bits, make-up in
// bit 7.
const makeupBit = 0x80

// attCode packs what the rates read from an encoded record, without
// allocating: its status and whether a make-up is recorded. Whether that
// counts as attended is the policy's rule (Policy.attended), and only its.
func attCode(v []byte) uint8 {
	if len(v) < attendanceHeader {
		return uint8(StatusNone)
	}
	c := v[1] &^ makeupBit
	if v[3]&1 != 0 {
		c |= makeupBit
	}
	return c
}

// attStatus is the status of an encoded record (StatusNone for none).
func attStatus(v []byte) Status { return Status(attCode(v) &^ makeupBit) }

func encodeAttendance(a *Attendance) []byte {
	b := make([]byte, attendanceHeader, attendanceHeader+len(a.Note)+len(a.MakeupNote)+len(a.UpdatedBy)+6)
	b[0] = 1
	b[1] = byte(a.Status)
	for i, s := range attendanceSources {
		if s == a.Source {
			b[2] = byte(i)
		}
	}
	if a.MakeupOn != "" {
		b[3] = 1
		if t, err := time.Parse(DateLayout, a.MakeupOn); err == nil {
			binary.BigEndian.PutUint32(b[4:], uint32(int32(t.Unix()/86400)))
		}
	}
	if a.CheckedInAt != nil {
		binary.BigEndian.PutUint64(b[8:], uint64(a.CheckedInAt.UnixNano()))
	}
	binary.BigEndian.PutUint64(b[16:], uint64(a.UpdatedAt.UnixNano()))
	for _, s := range []string{a.UpdatedBy, a.Note, a.MakeupNote} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if a.MakeupOn != "" && a.MakeupRecordedAt != nil {
		b[0] = 2
		b = binary.BigEndian.AppendUint64(b, uint64(a.MakeupRecordedAt.UnixNano()))
	}
	return b
}

var errBadAttendance = errors.New("corrupt attendance record")

// decodeAttendance reads a record; key is session id + member id.
func decodeAttendance(key, v []byte) (*Attendance, error) {
	if len(key) != 16 || len(v) < attendanceHeader || (v[0] != 1 && v[0] != 2) {
		return nil, errBadAttendance
	}
	a := &Attendance{SessionID: keyID(key[:8]), MemberID: keyID(key[8:]), Status: Status(v[1])}
	if int(v[2]) < len(attendanceSources) {
		a.Source = attendanceSources[v[2]]
	}
	if v[3]&1 != 0 {
		days := int32(binary.BigEndian.Uint32(v[4:]))
		a.MakeupOn = time.Unix(int64(days)*86400, 0).UTC().Format(DateLayout)
	}
	if ns := int64(binary.BigEndian.Uint64(v[8:])); ns != 0 {
		t := time.Unix(0, ns).UTC()
		a.CheckedInAt = &t
	}
	a.UpdatedAt = time.Unix(0, int64(binary.BigEndian.Uint64(v[16:]))).UTC()
	rest := v[attendanceHeader:]
	var strs [3]string
	for i := range strs {
		n, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < n {
			return nil, errBadAttendance
		}
		strs[i] = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
	}
	a.UpdatedBy, a.Note, a.MakeupNote = strs[0], strs[1], strs[2]
	if v[0] == 2 {
		if len(rest) != 8 {
			return nil, errBadAttendance
		}
		t := time.Unix(0, int64(binary.BigEndian.Uint64(rest))).UTC()
		a.MakeupRecordedAt = &t
	}
	return a, nil
}
