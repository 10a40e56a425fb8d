package store

import (
	"sync"
	"time"

	"studyroll/limit"
)

// Learning-report writes are bounded twice: the text by maxReportText
// (learning_report.go), the number of writes by reportWritesPerDay per
// member in any 24 hours, so that no member can fill the disk (each write
// is stored and audited with the text before and after).
const reportWritesPerDay = 20

type reportRate struct {
	mu sync.Mutex
	t  *limit.Table
}

// takeReportWrite counts one report write of memberID, or refuses it with
// 429 too_many_edits.
func (s *Store) takeReportWrite(memberID string) error {
	r := &s.reportRate
	now := s.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.t == nil {
		r.t = limit.New(24*time.Hour, reportWritesPerDay, 100000)
	}
	k := limit.KeyOf(memberID)
	if w := r.t.Wait(k, now); w > 0 {
		return Errorf(KindTooMany, "too_many_edits", "at most %d learning-report saves a day: try again in %d minutes", reportWritesPerDay, int(w.Minutes())+1)
	}
	r.t.Add(k, now)
	return nil
}
