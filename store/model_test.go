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
		if att, st := attendedFast(encodeAttendance(&a)); att != a.Attended() || st != a.Status {
			t.Errorf("attendedFast(%+v) = %v, %v", a, att, st)
		}
	}
	if _, err := decodeAttendance(make([]byte, 16), []byte{1, 2, 3}); err == nil {
		t.Error("short record decoded")
	}
}
