package store

import (
	"reflect"
	"testing"
	"time"
)

func TestAttendanceCodec(t *testing.T) {
	at := time.Date(2023, 9, 1, 8, 3, 4, 5, time.UTC)
	cases := []Attendance{
		{SessionID: "1", MemberID: "2", Status: StatusPresent, CheckedInAt: &at, Source: "self", UpdatedAt: at, UpdatedBy: "2"},
		{SessionID: "70000", MemberID: "9", Status: StatusLeave, Source: "leave", Note: "出差 <b>", MakeupOn: "2023-09-05", MakeupNote: "补学《讲话》", UpdatedAt: at, UpdatedBy: "3"},
		{SessionID: "3", MemberID: "4", Status: StatusAbsent, Source: "close", UpdatedAt: at},
		{SessionID: "5", MemberID: "6", Status: StatusAbsent, Source: "lead", MakeupOn: "2023-09-02", MakeupRecordedAt: &at, UpdatedAt: at, UpdatedBy: "3"},
	}
	for _, a := range cases {
		key := pairKey(keyOrZero(a.SessionID), keyOrZero(a.MemberID))
		got, err := decodeAttendance(key, encodeAttendance(&a))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, a) {
			t.Errorf("round trip:\n got %+v\nwant %+v", *got, a)
		}
		c := attCode(encodeAttendance(&a))
		if st, makeup := Status(c&^makeupBit), c&makeupBit != 0; makeup != (a.MakeupOn != "") || st != a.Status || attStatus(encodeAttendance(&a)) != a.Status {
			t.Errorf("attCode(%+v) = %v, %v", a, st, makeup)
		}
	}
	// A record written before make-ups kept their recording time (version
	// 1) still reads, without one.
	old := Attendance{SessionID: "5", MemberID: "6", Status: StatusLeave, Source: "leave", MakeupOn: "2023-09-02", UpdatedAt: at}
	v := encodeAttendance(&old)
	if got, err := decodeAttendance(pairKey(keyOrZero("5"), keyOrZero("6")), v); v[0] != 1 || err != nil || got.MakeupRecordedAt != nil || got.MakeupOn != old.MakeupOn {
		t.Errorf("version 1 record: %v %+v %v", v[0], got, err)
	}
	if _, err := decodeAttendance(make([]byte, 16), []byte{1, 2, 3}); err == nil {
		t.Error("short record decoded")
	}
}
