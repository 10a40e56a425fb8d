package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/store"
)

// TestCrash runs the real binary under concurrent check-ins and score
// entry, kills it with SIGKILL at random moments several times, and after
// each kill checks that every write answered 2xx is in the store, that no
// request was half-applied, that bbolt's consistency check passes and that
// the audit chain verifies.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	const members = 120
	// The organisation is made directly in the store, before the server runs.
	s, err := store.Open(data, store.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	ctx := store.WithActor(context.Background(), "system")
	s.Bootstrap(ctx, "admin-password")
	root, _ := s.CreateGroup(ctx, store.GroupInput{Name: "机关党委"})
	ins := make([]store.MemberInput, members)
	for i := range ins {
		ins[i] = store.MemberInput{Name: fmt.Sprintf("成员%03d", i), Username: fmt.Sprintf("c%03d", i), Password: "crash-password",
			GroupID: root.ID, Role: store.RoleMember, JoinedOn: "2020-01-01"}
	}
	ms, err := s.CreateMembers(ctx, ins)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, members)
	for i, m := range ms {
		ids[i] = m.ID
	}
	toks, _ := s.CreateTokens(ctx, ids, 24*time.Hour)
	s.Close()

	type ack struct{ session, member string }
	type scoreReq struct {
		exam    string
		members []string
		score   float64
		acked   bool
	}
	var acked []ack
	var scoreReqs []*scoreReq
	rng := rand.New(rand.NewPCG(7, 11))
	client := &http.Client{Timeout: 5 * time.Second}

	for round := 0; round < 4; round++ {
		srv := startServer(t, bin, data)
		admin := login(t, srv.url, "admin", "admin-password")
		now := time.Now()
		var sess struct{ ID string }
		body := fmt.Sprintf(`{"group_id":%q,"title":"第%d次集中学习","starts_at":%q,"ends_at":%q,"lead_id":%q}`,
			root.ID, round+1, now.Add(5*time.Minute).Format(time.RFC3339), now.Add(2*time.Hour).Format(time.RFC3339), ids[0])
		if code, err := callJSON(client, "POST", srv.url+"/api/v1/sessions", admin, body, &sess); code != 201 {
			t.Fatalf("create session: %d %v", code, err)
		}
		var code struct{ Code string }
		callJSON(client, "GET", srv.url+"/api/v1/sessions/"+sess.ID+"/code", admin, "", &code)
		var exam struct{ ID string }
		body = fmt.Sprintf(`{"group_id":%q,"title":"第%d次测试","held_on":%q,"max_score":100}`, root.ID, round+1, now.Format("2006-01-02"))
		if c, err := callJSON(client, "POST", srv.url+"/api/v1/exams", admin, body, &exam); c != 201 {
			t.Fatalf("create exam: %d %v", c, err)
		}

		var mu sync.Mutex
		var wg sync.WaitGroup
		// Kill once a random number of writes have been acknowledged.
		killAt := len(acked) + 5 + rng.IntN(60)
		kill := make(chan struct{})
		var once sync.Once
		noteAck := func() {
			if len(acked) >= killAt {
				once.Do(func() { close(kill) })
			}
		}
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < members; i += 8 {
					b := `{"code":"` + code.Code + `"}`
					if c, _ := callJSON(client, "POST", srv.url+"/api/v1/sessions/"+sess.ID+"/checkin", toks[i], b, nil); c == 201 || c == 200 {
						mu.Lock()
						acked = append(acked, ack{sess.ID, ids[i]})
						noteAck()
						mu.Unlock()
					}
				}
			}(w)
		}
		// Score entry: each request gives 6 distinct members one score.
		for j := 0; j*6 < members; j++ {
			wg.Add(1)
			sr := &scoreReq{exam: exam.ID, members: ids[j*6 : min((j+1)*6, members)], score: float64(50 + j%50)}
			mu.Lock()
			scoreReqs = append(scoreReqs, sr)
			mu.Unlock()
			go func() {
				defer wg.Done()
				var parts []string
				for _, m := range sr.members {
					parts = append(parts, fmt.Sprintf(`{"member_id":%q,"score":%v}`, m, sr.score))
				}
				if c, _ := callJSON(client, "PUT", srv.url+"/api/v1/exams/"+sr.exam+"/scores", admin, `{"scores":[`+strings.Join(parts, ",")+`]}`, nil); c == 200 {
					mu.Lock()
					sr.acked = true
					mu.Unlock()
				}
			}()
		}
		select {
		case <-kill:
		case <-time.After(20 * time.Second): // every write already answered
		}
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		wg.Wait()

		s, err := store.Open(data, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if errs := s.Check(); len(errs) > 0 {
			t.Fatalf("round %d: bbolt check: %v", round, errs)
		}
		if n, err := s.VerifyAudit(); err != nil {
			t.Fatalf("round %d: audit chain (%d entries): %v", round, n, err)
		}
		have := map[ack]bool{}
		for _, a := range acked {
			if _, ok := have[ack{a.session, ""}]; !ok {
				recs, err := s.Attendance(a.session)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					have[ack{a.session, r.MemberID}] = true
				}
				have[ack{a.session, ""}] = true
			}
			if !have[a] {
				t.Errorf("round %d: check-in of %s at session %s was answered 2xx but is gone", round, a.member, a.session)
			}
		}
		for _, sr := range scoreReqs {
			d, err := s.ExamDetail(sr.exam)
			if err != nil {
				t.Fatal(err)
			}
			scores := map[string]float64{}
			for _, sc := range d.Scores {
				scores[sc.MemberID] = sc.Score
			}
			n := 0
			for _, m := range sr.members {
				if v, ok := scores[m]; ok && v == sr.score {
					n++
				}
			}
			if sr.acked && n != len(sr.members) {
				t.Errorf("round %d: score request acked but %d of %d scores stored", round, n, len(sr.members))
			}
			if n != 0 && n != len(sr.members) {
				t.Errorf("round %d: score request half-applied: %d of %d", round, n, len(sr.members))
			}
		}
		t.Logf("round %d: killed with %d check-ins and %d score requests acknowledged so far; store consistent", round, len(acked), countAcked(scoreReqs, func(r *scoreReq) bool { return r.acked }))
		s.Close()
	}
}

func countAcked[T any](xs []T, f func(T) bool) int {
	n := 0
	for _, x := range xs {
		if f(x) {
			n++
		}
	}
	return n
}
