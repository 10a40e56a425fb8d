// Package groupcommit shares one bbolt commit among concurrent writers.
//
// A bbolt commit writes its pages and syncs the file twice; under a burst
// of small writes (every member checking in within a minute) that sync, not
// the write, is what a request waits for. A Writer runs one goroutine that
// takes a write, then every write that queued while the previous commit
// ran (up to Max), runs them in one read-write transaction and commits
// once. Nothing waits on a timer: a lone write commits at once, and under
// load each commit carries whatever arrived while the last one was being
// synced — group commit as databases do it.
//
// bbolt's own db.Batch collects calls for a fixed delay or until a fixed
// count; with fewer concurrent writers than the count it waits out the delay
// every time, and with more it commits batches no larger than the count
// while the rest queue behind the lock. The figures are in
// docs/BENCHMARKS.md.
package groupcommit

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Max is the default number of writes one commit carries at most.
const Max = 512

// Writer coalesces concurrent writes into shared commits.
type Writer struct {
	db    *bolt.DB
	max   int
	calls chan *call

	mu     sync.RWMutex // held for reading while a call is queued
	closed bool
	quit   chan struct{}
	done   chan struct{}
}

type call struct {
	fn  func(*bolt.Tx) error
	err chan error
}

// errTrySolo tells a caller its function failed inside a shared
// transaction: it runs again alone, so its error is its own.
var errTrySolo = errors.New("groupcommit: run alone")

// New starts a Writer on db; max ≤ 0 means Max. Close it before db.
func New(db *bolt.DB, max int) *Writer {
	if max <= 0 {
		max = Max
	}
	w := &Writer{db: db, max: max, calls: make(chan *call, max),
		quit: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// Do runs fn in a read-write transaction, possibly shared with other
// callers' functions, and returns when that transaction has committed (or
// failed). fn may run more than once, so it must be idempotent; when it
// fails, the other functions of its transaction run again without it and
// fn runs once more in a transaction of its own, whose error Do returns.
// After Close, Do returns bbolt's ErrDatabaseNotOpen.
func (w *Writer) Do(fn func(*bolt.Tx) error) error {
	c := &call{fn: fn, err: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return bolterrors.ErrDatabaseNotOpen
	}
	w.calls <- c // the writer runs until Close, which waits for this lock
	w.mu.RUnlock()
	err := <-c.err
	if err == errTrySolo {
		return w.db.Update(fn)
	}
	return err
}

// Close commits the writes already queued and stops the writer. Do after
// Close fails; Close is safe to call twice.
func (w *Writer) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return
	}
	w.closed = true
	w.mu.Unlock()
	close(w.quit)
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]*call, 0, w.max)
	for {
		batch = batch[:0]
		select {
		case c := <-w.calls:
			batch = append(batch, c)
		case <-w.quit:
			// Close holds no sender: what is queued is all there is.
			for {
				select {
				case c := <-w.calls:
					w.commit([]*call{c})
				default:
					return
				}
			}
		}
	drain:
		for len(batch) < w.max {
			select {
			case c := <-w.calls:
				batch = append(batch, c)
			default:
				break drain
			}
		}
		w.commit(batch)
	}
}

// commit runs the batch's functions in one transaction. A failing function
// is taken out (told to run alone) and the rest run again.
func (w *Writer) commit(batch []*call) {
	for len(batch) > 0 {
		failed := -1
		err := w.db.Update(func(tx *bolt.Tx) error {
			for i, c := range batch {
				if err := safely(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			batch[failed].err <- errTrySolo
			batch = append(batch[:failed:failed], batch[failed+1:]...)
			continue
		}
		for _, c := range batch {
			c.err <- err
		}
		return
	}
}

// safely calls fn, turning a panic into an error (the caller's retry
// alone then panics in its own goroutine, as a plain Update would).
func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("groupcommit: function panicked: %v", p)
		}
	}()
	return fn(tx)
}
