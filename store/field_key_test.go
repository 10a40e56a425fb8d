package store

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The texts of sealedFixture, each with an ASCII marker so the raw file can
// be searched for them whatever the encoding.
var sealedTexts = map[string]string{
	"reason":  "住院检查 reason-MARK-1",
	"note":    "出差 note-MARK-2",
	"makeup":  "观看录像 makeup-MARK-3",
	"comment": "联系实际不够 comment-MARK-4",
}

// sealedFixture writes each kind of sensitive text through the store's API
// and locks 2023Q3, so the period snapshot carries them too.
func sealedFixture(t *testing.T, o *attOrg) (reportID string) {
	t.Helper()
	o.clock.Set(o.start.Add(-time.Hour))
	if _, err := o.s.RequestLeave(o.ctxM1, o.sessionID, o.m1.ID, LeaveInput{Reason: sealedTexts["reason"]}); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := o.s.DecideLeave(o.ctxLead, o.sessionID, o.m1.ID, LeaveDecision{Approved: &yes}); err != nil {
		t.Fatal(err)
	}
	o.clock.Set(o.end.Add(time.Hour))
	note := sealedTexts["note"]
	if _, err := o.s.SetAttendance(o.ctxLead, o.sessionID, o.m2.ID, AttendanceInput{Status: "absent", Note: &note}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.RecordMakeup(o.ctxLead, o.sessionID, o.m2.ID, MakeupInput{On: "2023-09-01", Note: sealedTexts["makeup"]}); err != nil {
		t.Fatal(err)
	}
	r, _, err := o.s.WriteReport(o.ctxM1, o.m1, ReportInput{Period: "2023Q3", Text: "三季度述学"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.EvaluateReport(o.ctxLead, o.lead, r.ID, EvaluationInput{Grade: 4, Comment: sealedTexts["comment"]}); err != nil {
		t.Fatal(err)
	}
	o.clock.Set(time.Date(2023, 10, 8, 9, 0, 0, 0, o.s.Location()))
	if _, err := o.s.LockPeriod(admin, "2023Q3"); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// readBackSealed checks that every text reads back in clear through the
// store's API: the session's leave and attendance, the member's data, the
// learning reports, the frozen period.
func readBackSealed(t *testing.T, o *attOrg, reportID string) {
	t.Helper()
	reqs, err := o.s.LeaveRequests(o.sessionID)
	if err != nil || len(reqs) != 1 || reqs[0].Reason != sealedTexts["reason"] {
		t.Errorf("leave requests %+v %v", reqs, err)
	}
	att, err := o.s.Attendance(o.sessionID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Attendance{}
	for _, a := range att {
		got[a.MemberID] = a
	}
	if got[o.m1.ID].Note != sealedTexts["reason"] || got[o.m2.ID].Note != sealedTexts["note"] || got[o.m2.ID].MakeupNote != sealedTexts["makeup"] {
		t.Errorf("attendance %+v", got)
	}
	pd, err := o.s.PersonalData(o.m1.ID)
	if err != nil || len(pd.Leave) != 1 || pd.Leave[0].Reason != sealedTexts["reason"] ||
		len(pd.LearningReports) != 1 || pd.LearningReports[0].Comment != sealedTexts["comment"] {
		t.Errorf("personal data %+v %v", pd, err)
	}
	items, err := o.s.Reports(o.lead, ReportFilter{Period: "2023Q3"})
	if err != nil || len(items) != 1 || items[0].Comment != sealedTexts["comment"] {
		t.Errorf("reports %+v %v", items, err)
	}
	p, _ := ParsePeriod("2023Q3", o.s.Location())
	ps, err := o.s.FrozenPeriod(p)
	if err != nil || ps == nil {
		t.Fatalf("frozen %v", err)
	}
	recs, err := o.s.FrozenRecords(ps, nil)
	if err != nil {
		t.Fatalf("frozen records %v", err)
	}
	if recs.Reports[reportID].Comment != sealedTexts["comment"] || recs.Activities[o.m1.ID].ReportComment != sealedTexts["comment"] {
		t.Errorf("snapshot comment %q", recs.Reports[reportID].Comment)
	}
	notes := map[string]string{}
	for _, list := range recs.Sessions {
		for _, ss := range list {
			for _, a := range ss.Attendance {
				notes[a.MemberID] = a.Note
			}
		}
	}
	if notes[o.m1.ID] != sealedTexts["reason"] || notes[o.m2.ID] != sealedTexts["note"] {
		t.Errorf("snapshot notes %v", notes)
	}
}

// rawHas reports which texts occur in the store file's bytes.
func rawHas(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for k, v := range sealedTexts {
		if bytes.Contains(raw, []byte(v[strings.LastIndex(v, " ")+1:])) {
			found = append(found, k)
		}
	}
	return found
}

// TestSealedFieldsAtRest: leave reasons, attendance and make-up notes and
// evaluation comments read back in clear, and are nowhere in the bbolt file
// — not in the records, the audit entries nor the locked period's snapshot.
func TestSealedFieldsAtRest(t *testing.T) {
	o := newAttOrg(t)
	id := sealedFixture(t, o)
	readBackSealed(t, o, id)
	if n, err := o.s.VerifyAudit(); err != nil {
		t.Fatalf("audit chain after %d: %v", n, err)
	}
	// The log stores the sealed form and shows the text to its readers.
	es, _ := o.s.Audit(AuditFilter{Entity: "leave_request"})
	if len(es) == 0 || !strings.Contains(string(es[0].After), "reason-MARK-1") {
		t.Errorf("audit of the leave request %+v", es)
	}
	path := o.s.Path()
	o.s.Close()
	if found := rawHas(t, path); len(found) > 0 {
		t.Errorf("plaintext of %v in the store file", found)
	}
	key, err := os.ReadFile(filepath.Join(filepath.Dir(path), FieldKeyFile))
	if err != nil || !strings.Contains(string(key), "\n") {
		t.Fatalf("field key file: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(filepath.Dir(path), FieldKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("field key mode %v", fi.Mode())
	}
}

// TestFieldKeyMissingOrWrong: a sealed store does not open without its key
// (a new key would open nothing), and a wrong key fails the reads, never
// answers ciphertext as text.
func TestFieldKeyMissingOrWrong(t *testing.T) {
	o := newAttOrg(t)
	sealedFixture(t, o)
	dir := filepath.Dir(o.s.Path())
	o.s.Close()
	keyPath := filepath.Join(dir, FieldKeyFile)
	os.Rename(keyPath, keyPath+".away")
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "field key") {
		t.Fatalf("open without the key: %v", err)
	}
	if _, err := os.Stat(keyPath); err == nil {
		t.Error("a new key was created for a sealed store")
	}
	line, _ := newFieldKeyLine()
	writeFieldKeys(keyPath, []string{line})
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.LeaveRequests(o.sessionID); err == nil {
		t.Error("leave read with a wrong key")
	}
}

// v9Fixture writes sealedFixture as version 9 did: every text in clear
// (no field cipher), no field key, schema version 9.
func v9Fixture(t *testing.T) (*attOrg, string, string) {
	t.Helper()
	o := newAttOrg(t)
	fieldCiphers.Delete(o.s.db)
	id := sealedFixture(t, o)
	o.s.update(func(tx *bolt.Tx) error {
		tx.Bucket(bucketMeta).Delete(keyFieldsSealed)
		return tx.Bucket(bucketMeta).Put(keyVersion, itob(9))
	})
	dir := filepath.Dir(o.s.Path())
	o.s.Close()
	os.Remove(filepath.Join(dir, FieldKeyFile))
	return o, dir, id
}

// TestMigration10 opens a version-9 store whose texts are in clear: the
// migration seals them with a new key, the same texts read back, and after
// a compaction (which drops the freed pages) the file holds none of them.
func TestMigration10(t *testing.T) {
	o, dir, id := v9Fixture(t)
	if found := rawHas(t, filepath.Join(dir, FileName)); len(found) < 4 {
		t.Fatalf("the version-9 store should hold the texts in clear, found %v", found)
	}
	s, err := Open(dir, Options{Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	o.s = s
	if v, _ := s.Version(); v < 10 {
		t.Fatalf("version %d", v)
	}
	readBackSealed(t, o, id)
	s.db.View(func(tx *bolt.Tx) error {
		var r LeaveRequest
		json.Unmarshal(tx.Bucket(bucketLeave).Get(pairKey(keyOrZero(o.sessionID), keyOrZero(o.m1.ID))), &r)
		if !isSealed(r.Reason) {
			t.Errorf("stored reason %q not sealed", r.Reason)
		}
		return nil
	})
	s.Close()
	out := filepath.Join(t.TempDir(), FileName)
	if err := Compact(filepath.Join(dir, FileName), out); err != nil {
		t.Fatal(err)
	}
	// The audit entries of version 9 keep what they recorded (the chain
	// pins them); only the records are checked here.
	db, err := bolt.Open(out, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketLeave, bucketReports, bucketAttendance} {
			tx.Bucket(b).ForEach(func(k, v []byte) error {
				for name, text := range sealedTexts {
					if bytes.Contains(v, []byte(text[strings.LastIndex(text, " ")+1:])) {
						t.Errorf("%s of %s in clear after migration 10", name, b)
					}
				}
				return nil
			})
		}
		return nil
	})
}

func TestFieldCipher(t *testing.T) {
	line, _ := newFieldKeyLine()
	path := filepath.Join(t.TempDir(), "k")
	writeFieldKeys(path, []string{line})
	c, err := readFieldKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"", "病假", "enc:not sealed", strings.Repeat("长", 500)} {
		v := c.seal(fieldLeaveReason, plain)
		if plain != "" && (v == plain || !isSealed(v)) {
			t.Errorf("seal(%q) = %q", plain, v)
		}
		if got, err := c.open(fieldLeaveReason, v); err != nil || got != plain {
			t.Errorf("open(seal(%q)) = %q %v", plain, got, err)
		}
		if plain != "" {
			if _, err := c.open(fieldReportComment, v); err == nil {
				t.Errorf("a reason opened as a comment")
			}
		}
	}
	for _, bad := range []string{"x", "abcd 00", "abcdef01 " + strings.Repeat("0", 62)} {
		os.WriteFile(path, []byte(bad+"\n"), 0o600)
		if _, err := readFieldKeys(path); err == nil {
			t.Errorf("key file %q accepted", bad)
		}
	}
}

// TestRotateFieldKey: after a rotation every record and the locked
// snapshot are sealed with the new key alone (the old key is retired to
// its own file), the texts read back, the lock's SHA-256 matches, and the
// rotation is audited.
func TestRotateFieldKey(t *testing.T) {
	o := newAttOrg(t)
	id := sealedFixture(t, o)
	dir := filepath.Dir(o.s.Path())
	o.s.Close()
	oldKey, _ := readFieldKeys(filepath.Join(dir, FieldKeyFile))
	n, retired, err := RotateFieldKey(WithActor(bg, "system"), dir, Options{Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := readFieldKeys(filepath.Join(dir, FieldKeyFile))
	if err != nil || len(newKey.keys) != 1 || newKey.keys[0].id == oldKey.keys[0].id {
		t.Fatalf("key file after rotation: %+v %v", newKey, err)
	}
	if r, err := readFieldKeys(retired); err != nil || r.keys[0].id != oldKey.keys[0].id {
		t.Errorf("retired key %s: %v", retired, err)
	}
	s, err := Open(dir, Options{Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	o.s = s
	readBackSealed(t, o, id)
	if _, err := s.VerifyAudit(); err != nil {
		t.Error(err)
	}
	es, _ := s.Audit(AuditFilter{Entity: "security", EntityID: "field_key"})
	if len(es) != 1 || es[0].Action != "rotate_field_key" {
		t.Errorf("audit %+v", es)
	}
	s.Close()
	// Nothing live is sealed with the old key any more.
	db, _ := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if c := countSealed(tx, oldKey.keys[0].id); c != 0 {
			t.Errorf("%d record texts still sealed with the old key", c)
		}
		if c := countSealed(tx, newKey.keys[0].id); c != n || n < 4 {
			t.Errorf("%d texts with the new key, rotation said %d", c, n)
		}
		tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte(sealedPrefix+oldKey.keys[0].id)) {
				t.Errorf("snapshot %s still sealed with the old key", k)
			}
			return nil
		})
		return nil
	})
}

// FuzzFieldOpen: any stored value opens without a panic; a value that is
// not sealed reads as itself, and what seal writes opens to the same text.
func FuzzFieldOpen(f *testing.F) {
	line, _ := newFieldKeyLine()
	path := filepath.Join(f.TempDir(), "k")
	writeFieldKeys(path, []string{line})
	c, err := readFieldKeys(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("病假")
	f.Add("enc:")
	f.Add("enc:abcdef01:")
	f.Add(c.seal(fieldLeaveReason, "出差"))
	f.Fuzz(func(t *testing.T, v string) {
		got, err := c.open(fieldLeaveReason, v)
		if !isSealed(v) && (err != nil || got != v) {
			t.Fatalf("plain %q opened as %q %v", v, got, err)
		}
		if back, err := c.open(fieldLeaveReason, c.seal(fieldLeaveReason, v)); err != nil || back != v {
			t.Fatalf("seal/open %q = %q %v", v, back, err)
		}
	})
}

// FuzzReadFieldKeys: any key file is read or refused, never half-read.
func FuzzReadFieldKeys(f *testing.F) {
	line, _ := newFieldKeyLine()
	f.Add(line + "\n")
	f.Add("# comment\n" + line + "\n" + line + "\n")
	f.Add("abcd 00\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data string) {
		path := filepath.Join(dir, "k")
		os.WriteFile(path, []byte(data), 0o600)
		c, err := readFieldKeys(path)
		if err == nil && (c == nil || len(c.keys) == 0) {
			t.Fatal("no error and no key")
		}
	})
}

// TestRejectedLeaveAuditSealed: turning an approved leave down deletes its
// attendance record; the audit entry of that delete holds the record's note
// sealed, as every other audit copy does, never the reason in clear.
func TestRejectedLeaveAuditSealed(t *testing.T) {
	o := newAttOrg(t)
	o.clock.Set(o.start.Add(-time.Hour))
	if _, err := o.s.RequestLeave(o.ctxM1, o.sessionID, o.m1.ID, LeaveInput{Reason: sealedTexts["reason"]}); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	if _, err := o.s.DecideLeave(o.ctxLead, o.sessionID, o.m1.ID, LeaveDecision{Approved: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.DecideLeave(o.ctxLead, o.sessionID, o.m1.ID, LeaveDecision{Approved: &no}); err != nil {
		t.Fatal(err)
	}
	path := o.s.Path()
	o.s.Close()
	if found := rawHas(t, path); len(found) > 0 {
		t.Errorf("plaintext of %v in the store file after the rejection", found)
	}
}
