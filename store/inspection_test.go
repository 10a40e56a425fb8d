package store

import (
	"bytes"
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestMigration8 opens a version-7 store (before inspections): it migrates
// to 8, gains the inspection buckets and keeps its members.
func TestMigration8(t *testing.T) {
	dir := t.TempDir()
	db, _ := bolt.Open(dir+"/"+FileName, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketMembers, bucketGroups} {
			tx.CreateBucketIfNotExists(b)
		}
		tx.Bucket(bucketMeta).Put(keyVersion, itob(7))
		return tx.Bucket(bucketMembers).Put(itob(1), []byte(`{"id":"1","name":"张三","username":"zs","role":"member","joined_on":"2020-01-01"}`))
	})
	db.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v < 8 {
		t.Errorf("version %d", v)
	}
	s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketInspections, bucketFindings, bucketEvidence, bucketQnAnswers} {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		return nil
	})
	if m, err := s.Member("1"); err != nil || m.Name != "张三" {
		t.Errorf("member after migration: %+v %v", m, err)
	}
}

// inspFixture: 机关党委 → 第一处党总支 → 第一党支部 (张三 member, 李四 lead).
func inspFixture(t *testing.T) (s *Store, clock *ManualClock, branch string, member, lead, hr *Member, insp *InspectionView) {
	s, clock = mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	unit := mustGroup(t, s, "第一处党总支", root)
	branch = mustGroup(t, s, "第一党支部", unit)
	member = mustMember(t, s, "张三", branch, RoleMember, "2020-01-01")
	lead = mustMember(t, s, "李四", branch, RoleLead, "2020-01-01")
	hr = mustMember(t, s, "周组织", root, RoleHR, "2020-01-01")
	ctx := WithActor(context.Background(), hr.ID)
	in, err := s.CreateInspection(ctx, InspectionInput{Title: "督查", StartsOn: "2023-09-01", EndsOn: "2023-09-10", TargetGroupIDs: []string{unit}})
	if err != nil {
		t.Fatal(err)
	}
	insp, _ = s.Inspection(in.ID)
	return
}

// TestRectificationWarnings: the responsible member's lead sees
// rectification_due from 3 days before the deadline and
// rectification_overdue after it, until the finding is closed.
func TestRectificationWarnings(t *testing.T) {
	s, clock, branch, member, lead, hr, insp := inspFixture(t)
	ctx := WithActor(context.Background(), hr.ID)
	f, err := s.CreateFinding(ctx, insp.ID, FindingInput{GroupID: branch, Category: "考勤登记", Description: "缺签到", ResponsibleID: member.ID, Deadline: "2023-09-10"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(day string) []string {
		d, _ := time.ParseInLocation(DateLayout, day, s.Location())
		clock.Set(d.Add(9 * time.Hour))
		p := PeriodOf(clock.Now(), s.Location())
		ws, err := s.Warnings(p, branch, s.Policy())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, w := range ws {
			if w.Kind == WarnRectificationDue || w.Kind == WarnRectificationOverdue {
				if w.MemberID != member.ID {
					t.Errorf("warning for %s, want the responsible member", w.MemberID)
				}
				out = append(out, w.Kind)
			}
		}
		return out
	}
	for _, c := range []struct {
		day  string
		want string
	}{{"2023-09-06", ""}, {"2023-09-07", WarnRectificationDue}, {"2023-09-10", WarnRectificationDue}, {"2023-09-11", WarnRectificationOverdue}} {
		got := kinds(c.day)
		if (c.want == "" && len(got) != 0) || (c.want != "" && (len(got) != 1 || got[0] != c.want)) {
			t.Errorf("%s: %v, want %q", c.day, got, c.want)
		}
	}
	rs, err := s.OpenRectifications(clock.Now())
	if err != nil || len(rs) != 1 || rs[0].FindingID != f.ID || rs[0].Responsible != "张三" || rs[0].Deadline != "2023-09-10" {
		t.Errorf("OpenRectifications: %+v %v", rs, err)
	}
	due, _ := s.FindingsByDeadline("2023-09-13")
	if len(due) != 1 || due[0].ID != f.ID || !due[0].Overdue {
		t.Errorf("FindingsByDeadline: %+v", due)
	}
	lctx := WithActor(context.Background(), lead.ID)
	if _, err := s.ProgressFinding(lctx, f.ID, FindingSubmitted, "已补签"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CloseFinding(ctx, f.ID, "核验"); err != nil {
		t.Fatal(err)
	}
	if got := kinds("2023-09-12"); len(got) != 0 {
		t.Errorf("closed finding still warns: %v", got)
	}
	if due, _ := s.FindingsByDeadline("2023-09-13"); len(due) != 0 {
		t.Errorf("closed finding still listed by deadline")
	}
	if rs, _ := s.OpenRectifications(clock.Now()); len(rs) != 0 {
		t.Errorf("closed finding still handed to the reminders: %+v", rs)
	}
}

// TestEvidenceInBackup: an evidence file's bytes are in the store file, so
// a backup (WriteTo) carries them.
func TestEvidenceInBackup(t *testing.T) {
	s, _, branch, member, _, hr, insp := inspFixture(t)
	f, err := s.CreateFinding(WithActor(context.Background(), hr.ID), insp.ID, FindingInput{GroupID: branch, Category: "其他", Description: "x", ResponsibleID: member.ID, Deadline: "2023-09-30"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4 整改报告 unique-marker-7d1f")
	if _, err := s.AddEvidence(WithActor(context.Background(), member.ID), f.ID, "整改报告.pdf", pdf); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("unique-marker-7d1f")) {
		t.Error("backup lacks the evidence file")
	}
}

func TestSniffEvidence(t *testing.T) {
	for _, c := range []struct {
		data []byte
		want string
	}{
		{[]byte{0xFF, 0xD8, 0xFF, 0xE0}, "image/jpeg"},
		{[]byte("\x89PNG\r\n\x1a\nxxxx"), "image/png"},
		{[]byte("%PDF-1.7"), "application/pdf"},
		{[]byte("GIF89a"), ""},
		{[]byte("<svg"), ""},
		{[]byte("PK\x03\x04"), ""},
		{nil, ""},
	} {
		if got := SniffEvidence(c.data); got != c.want {
			t.Errorf("%q: %q, want %q", c.data, got, c.want)
		}
	}
}

// FuzzParseQuestionBank: no input panics the parser; what it accepts has a
// question on every line.
func FuzzParseQuestionBank(f *testing.F) {
	f.Add([]byte("question,answer,tags\n问,答,a;b\n"), "text/csv", "")
	f.Add([]byte("\ufeff问题,参考答案\n\"多行\n问题\",x\n"), "text/csv", "")
	f.Add([]byte{0xce, 0xca, 0xcc, 0xe2, ',', 'a', '\n', 0xb5, 0xda, '\n'}, "text/csv", "gbk")
	f.Add([]byte("PK\x03\x04garbage"), ContentTypeXLSX, "")
	f.Fuzz(func(t *testing.T, data []byte, ct, cs string) {
		lines, err := ParseQuestionBank(data, ct, cs)
		if err != nil {
			return
		}
		for _, l := range lines {
			if l.In.Question == "" || l.Line < 2 {
				t.Fatalf("accepted line %+v", l)
			}
		}
	})
}
