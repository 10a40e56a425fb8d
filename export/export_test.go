package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"studyroll/store"
)

// lockedStore builds a small organisation and locks its quarter.
func lockedStore(t *testing.T) (*store.Store, *store.PeriodSnapshot, store.PeriodLock) {
	t.Helper()
	dir := t.TempDir()
	info, err := store.BuildSynthetic(dir, 160, 30, store.SyntheticOptions{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.LockPeriod(store.WithActor(context.Background(), "system"), info.Period); err != nil {
		t.Fatal(err)
	}
	p, _ := store.ParsePeriod(info.Period, s.Location())
	ps, err := s.FrozenPeriod(p)
	if err != nil || ps == nil {
		t.Fatalf("snapshot: %v %v", ps, err)
	}
	l, err := s.PeriodLock(info.Period)
	if err != nil {
		t.Fatal(err)
	}
	return s, ps, *l
}

// TestExportSignedFiguresEqualSnapshot: the exported file verifies with
// the instance's public key and carries exactly the locked snapshot's
// figures for the organisation and every group; an edited payload, another
// key, or a file signed by another instance fail.
func TestExportSignedFiguresEqualSnapshot(t *testing.T) {
	_, ps, lock := lockedStore(t)
	dir := t.TempDir()
	key, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateKey(dir)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatal("the key is not read back")
	}
	if st, _ := os.Stat(filepath.Join(dir, KeyFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", st.Mode().Perm())
	}
	pemData, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM(pemData)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Build(ps, lock, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	data, err := Sign(sum, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(data, pub)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := ps.Rates("")
	if got.Members != len(all.Members) || got.Participation != ratio(all.Participation) ||
		got.Completion != ratio(all.Completion) || got.Excellence != ratio(all.Excellence) {
		t.Errorf("organisation figures differ: %+v vs %+v", got, all)
	}
	if got.SnapshotSHA256 != lock.SnapshotSHA256 || got.SnapshotSHA256 == "" || got.Revision != lock.Revision || got.Period != ps.Period {
		t.Errorf("lock fields: %+v", got)
	}
	if len(got.Groups) != len(ps.Groups) {
		t.Fatalf("%d groups, snapshot has %d", len(got.Groups), len(ps.Groups))
	}
	for _, g := range got.Groups {
		r, _ := ps.Rates(g.ID)
		if g.Members != len(r.Members) || g.Participation != ratio(r.Participation) || g.Completion != ratio(r.Completion) || g.Excellence != ratio(r.Excellence) {
			t.Errorf("group %s differs: %+v", g.Path, g)
		}
		n := 0
		for _, c := range g.Grades {
			n += c
		}
		if n != g.Members {
			t.Errorf("group %s: grades count %d of %d members", g.Path, n, g.Members)
		}
	}
	// no member's name or id leaves the instance
	payload, _ := json.Marshal(got)
	for _, m := range all.Members[:5] {
		if bytes.Contains(payload, []byte(m.Name)) {
			t.Errorf("the payload names member %s", m.Name)
		}
	}

	var f File
	json.Unmarshal(data, &f)
	tampered := *got
	tampered.Participation.Num++
	pb, _ := json.Marshal(tampered)
	f2 := f
	f2.Payload = b64.EncodeToString(pb)
	bad, _ := json.Marshal(f2)
	if _, err := Verify(bad, pub); err == nil {
		t.Error("an edited payload verified")
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := Verify(data, other); err == nil {
		t.Error("verified with another instance's key")
	}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	forged, _ := Sign(got, otherPriv)
	if _, err := Verify(forged, pub); err == nil {
		t.Error("a file signed by another key verified")
	}
}

// FuzzVerify: any bytes given to Verify give an error or a summary, never a
// panic, and never a summary unless the signature holds.
func FuzzVerify(f *testing.F) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	good, _ := Sign(&Summary{Format: Format, Period: "2023Q3", Groups: []Group{}}, priv)
	f.Add(good)
	f.Add([]byte(`{"protected":"","payload":"","signature":""}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Verify(data, pub)
		if err == nil && s == nil {
			t.Fatal("no error and no summary")
		}
	})
}
