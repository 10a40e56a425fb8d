package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// JobRun is one run of a background job (closing sessions, the nightly
// rates snapshot, report generation, backups): what ran, why, when, how far
// it got and how it ended. GET /jobs lists them.
//
// The jobs bucket: key the run id (8 bytes), value this record as JSON.
// A long run is written when it starts and again when it ends; its live
// progress (done/total) is kept by the scheduler in memory meanwhile. A
// quick run is written once, when it ends (RecordJob).
type JobRun struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Trigger string `json:"trigger"` // schedule, catch_up, api, cli, start
	// Period and GroupID say what a report run covers.
	Period  string `json:"period,omitempty"`
	GroupID string `json:"group_id,omitempty"`
	// ScheduledFor is the schedule activation a scheduled or catch-up run
	// stands for; missed runs are found by comparing it with the schedule.
	ScheduledFor *time.Time `json:"scheduled_for,omitempty"`
	StartedAt    time.Time  `json:"started_at"`
	EndedAt      *time.Time `json:"ended_at"`
	StartedBy    string     `json:"started_by"`
	Status       string     `json:"status"` // running, succeeded, failed, interrupted
	Done         int        `json:"done"`
	Total        int        `json:"total"`
	// Result summarises what the run did ("closed 2 sessions, 5 absent").
	Result string `json:"result"`
	// Error is why it failed; "" when it did not.
	Error string `json:"error,omitempty"`
}

// The statuses of a job run.
const (
	JobRunning     = "running"
	JobSucceeded   = "succeeded"
	JobFailed      = "failed"
	JobInterrupted = "interrupted" // the process stopped while it ran
)

// maxJobText caps the result and error texts kept with a run.
const maxJobText = 2000

func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func (r *JobRun) check() error {
	fe := FieldErrors{}
	if strings.TrimSpace(r.Kind) == "" || len(r.Kind) > 64 {
		fe.Add("kind", "required, at most 64 characters")
	}
	if r.Period != "" {
		if _, err := ParsePeriod(r.Period, time.UTC); err != nil {
			fe.Add("period", "a year like 2023 or a quarter like 2023Q3")
		}
	}
	if r.Done < 0 || r.Total < 0 {
		fe.Add("done", "must not be negative")
	}
	switch r.Status {
	case JobRunning, JobSucceeded, JobFailed, JobInterrupted:
	default:
		fe.Add("status", "running, succeeded, failed or interrupted")
	}
	r.Result, r.Error = clipText(r.Result, maxJobText), clipText(r.Error, maxJobText)
	if r.ScheduledFor != nil {
		t := r.ScheduledFor.UTC()
		r.ScheduledFor = &t
	}
	return fe.Err()
}

// StartJob records that a run of in.Kind has started now: its id, start
// time, starter (the ctx actor) and status running. Trigger, Period,
// GroupID, ScheduledFor and Total are taken from in.
func (s *Store) StartJob(ctx context.Context, in JobRun) (*JobRun, error) {
	run := JobRun{Kind: in.Kind, Trigger: in.Trigger, Period: in.Period, GroupID: in.GroupID,
		ScheduledFor: in.ScheduledFor, Total: in.Total,
		StartedAt: s.now().UTC(), StartedBy: ActorFrom(ctx), Status: JobRunning}
	if err := run.check(); err != nil {
		return nil, err
	}
	err := s.update(func(tx *bolt.Tx) error { return s.insertJob(ctx, tx, "start", &run) })
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// JobOutcome is how a run ended.
type JobOutcome struct {
	Status      string // succeeded, failed or interrupted
	Done, Total int
	Result      string
	Error       string
	// Events are queued in the transaction that records the end (a
	// finished report run tells HR's robot), only when it succeeded.
	Events []Event
}

// FinishJob records the end of run id: now as its end, and the outcome.
// A run that has already ended is not changed (409 job_ended).
func (s *Store) FinishJob(ctx context.Context, id string, out JobOutcome) (*JobRun, error) {
	if out.Status == JobRunning {
		return nil, Invalid(map[string]string{"status": "succeeded, failed or interrupted"})
	}
	var run JobRun
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		key := keyOrZero(id)
		r, err := getByID[JobRun](b, "job", id)
		if err != nil {
			return err
		}
		run = *r
		if run.EndedAt != nil {
			return Conflict("job_ended", "job %s has already ended", id)
		}
		before := run
		end := s.now().UTC()
		run.EndedAt = &end
		run.Status, run.Done, run.Total, run.Result, run.Error = out.Status, out.Done, out.Total, out.Result, out.Error
		if err := run.check(); err != nil {
			return err
		}
		if err := putJSON(b, key, &run); err != nil {
			return err
		}
		if run.Status == JobSucceeded {
			for _, ev := range out.Events {
				if err := s.notifyReports(tx, ev); err != nil {
					return err
				}
			}
		}
		return s.audit(ctx, tx, "finish", "job", id, &before, &run)
	})
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// RecordJob stores a quick run that has already ended, in one write:
// in.StartedAt and in.EndedAt must be set. When keep > 0, the oldest runs
// of the same kind beyond the newest keep are deleted in the same
// transaction (one audit entry "prune" counts them), so a job that runs
// every minute does not grow the bucket without end.
func (s *Store) RecordJob(ctx context.Context, in JobRun, keep int) (*JobRun, error) {
	run := in
	run.ID = ""
	if run.StartedBy == "" {
		run.StartedBy = ActorFrom(ctx)
	}
	if run.StartedAt.IsZero() || run.EndedAt == nil || run.EndedAt.Before(run.StartedAt) {
		return nil, Invalid(map[string]string{"ended_at": "a finished run needs started_at ≤ ended_at"})
	}
	if run.Status == JobRunning {
		return nil, Invalid(map[string]string{"status": "succeeded, failed or interrupted"})
	}
	if err := run.check(); err != nil {
		return nil, err
	}
	err := s.update(func(tx *bolt.Tx) error {
		if err := s.insertJob(ctx, tx, "run", &run); err != nil {
			return err
		}
		if keep <= 0 {
			return nil
		}
		return s.pruneJobs(ctx, tx, run.Kind, keep)
	})
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// insertJob gives run the next id, stores it and audits it as action.
func (s *Store) insertJob(ctx context.Context, tx *bolt.Tx, action string, run *JobRun) error {
	b := tx.Bucket(bucketJobs)
	id, key, err := nextID(b)
	if err != nil {
		return err
	}
	run.ID = id
	if err := putJSON(b, key, run); err != nil {
		return err
	}
	return s.audit(ctx, tx, action, "job", id, nil, run)
}

// pruneJobs deletes the oldest runs of kind beyond the newest keep.
func (s *Store) pruneJobs(ctx context.Context, tx *bolt.Tx, kind string, keep int) error {
	b := tx.Bucket(bucketJobs)
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var r struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Kind == kind {
			keys = append(keys, copyBytes(k))
		}
		return nil
	})
	if err != nil || len(keys) <= keep {
		return err
	}
	old := keys[:len(keys)-keep]
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	summary := map[string]any{"kind": kind, "deleted": len(old), "first_id": keyID(old[0]), "last_id": keyID(old[len(old)-1]), "kept": keep}
	return s.audit(ctx, tx, "prune", "job", kind, nil, summary)
}

// Job returns one run.
func (s *Store) Job(id string) (*JobRun, error) {
	var run *JobRun
	err := s.view(func(tx *bolt.Tx) (err error) {
		run, err = getByID[JobRun](tx.Bucket(bucketJobs), "job", id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// JobFilter selects runs; zero fields do not filter.
type JobFilter struct {
	Kind   string
	Status string
	Limit  int // default 100
}

// Jobs lists runs newest first.
func (s *Store) Jobs(f JobFilter) ([]JobRun, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	out := []JobRun{}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.Last(); k != nil && len(out) < f.Limit; k, v = c.Prev() {
			var r JobRun
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if (f.Kind != "" && r.Kind != f.Kind) || (f.Status != "" && r.Status != f.Status) {
				continue
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// LastJob returns the newest run of kind with status, nil when none.
func (s *Store) LastJob(kind, status string) (*JobRun, error) {
	rs, err := s.Jobs(JobFilter{Kind: kind, Status: status, Limit: 1})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// FirstJobAt returns when the oldest recorded run started; ok is false
// when no run was ever recorded. The scheduler uses it to tell a missed
// run from a fresh install.
func (s *Store) FirstJobAt() (at time.Time, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bucketJobs).Cursor().First()
		if k == nil {
			return nil
		}
		var r JobRun
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		at, ok = r.StartedAt, true
		return nil
	})
	return at, ok, err
}

// InterruptJobs marks every run still recorded as running as interrupted:
// the process that ran it stopped before it ended. The scheduler calls it
// when it starts, before any job runs. It returns how many it marked.
func (s *Store) InterruptJobs(ctx context.Context) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketJobs)
		type hit struct {
			key []byte
			run JobRun
		}
		var hits []hit
		err := b.ForEach(func(k, v []byte) error {
			var r JobRun
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Status == JobRunning {
				hits = append(hits, hit{copyBytes(k), r})
			}
			return nil
		})
		if err != nil {
			return err
		}
		end := s.now().UTC()
		for _, h := range hits {
			before := h.run
			r := h.run
			r.Status, r.EndedAt, r.Error = JobInterrupted, &end, "the server stopped while this job ran"
			if err := putJSON(b, h.key, &r); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, "interrupt", "job", r.ID, &before, &r); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
