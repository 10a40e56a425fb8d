package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"studyroll/internal/groupcommit"
)

// FileName is the name of the bbolt file inside the data folder.
const FileName = "studyroll.db"

// Bucket names. Every bucket is created in one transaction when the store
// opens (see initialize); read paths never create buckets.
var (
	bucketMeta        = []byte("meta")
	bucketGroups      = []byte("groups")
	bucketMembers     = []byte("members")
	bucketUsernames   = []byte("usernames")
	bucketCredentials = []byte("credentials")
	bucketTokens      = []byte("tokens")
	bucketAudit       = []byte("audit")
	bucketPlans       = []byte("plans")
	bucketItems       = []byte("items")
	bucketItemDone    = []byte("item_done")
	// bucketDoneByItem holds the done marks again, keyed item + member
	// (done_marks.go).
	bucketDoneByItem = []byte("item_done_by_item")
	bucketSessions   = []byte("sessions")
	bucketSecrets    = []byte("session_secrets")
	bucketAttendance = []byte("attendance")
	bucketLeave      = []byte("leave_requests")
	bucketRotations  = []byte("rotations")
	bucketTurns      = []byte("reading_turns")
	bucketShares     = []byte("shares")
	bucketQuestions  = []byte("questions")
	bucketReports    = []byte("learning_reports")
	bucketExams      = []byte("exams")
	bucketScores     = []byte("scores")
	bucketLocks      = []byte("period_locks")
	bucketJobs       = []byte("jobs")
	bucketFiles      = []byte("report_files")
	bucketSnapshots  = []byte("period_snapshots")
	// Reminders (robot.go, outbox.go).
	bucketRobots           = []byte("robots")
	bucketReminderSettings = []byte("reminder_settings")
	bucketOutbox           = []byte("outbox")
	bucketOutboxKeys       = []byte("outbox_keys")
	bucketOutboxDue        = []byte("outbox_due")
	bucketMinutes          = []byte("minutes_records")
	// 督查 (inspection*.go)
	bucketInspections    = []byte("inspections")
	bucketBankQuestions  = []byte("bank_questions")
	bucketDraws          = []byte("inspection_draws")
	bucketInterviews     = []byte("inspection_interviews")
	bucketFindings       = []byte("findings")
	bucketEvidence       = []byte("finding_evidence")
	bucketQuestionnaires = []byte("questionnaires")
	bucketQnAnswers      = []byte("questionnaire_answers")
	bucketQnTakers       = []byte("questionnaire_takers")
)

var allBuckets = [][]byte{
	bucketMeta, bucketGroups, bucketMembers, bucketUsernames, bucketCredentials,
	bucketTokens, bucketAudit, bucketPlans, bucketItems, bucketItemDone,
	bucketSessions, bucketSecrets, bucketAttendance, bucketLeave, bucketRotations,
	bucketTurns, bucketShares, bucketQuestions, bucketReports, bucketExams,
	bucketScores, bucketLocks, bucketJobs, bucketFiles, bucketSnapshots,
	bucketRobots, bucketReminderSettings, bucketOutbox, bucketOutboxKeys, bucketOutboxDue, bucketMinutes,
	bucketInspections, bucketBankQuestions, bucketDraws, bucketInterviews,
	bucketFindings, bucketEvidence, bucketQuestionnaires, bucketQnAnswers, bucketQnTakers,
	bucketMemberships, bucketDoneByItem,
}

// Options configure a Store. The zero value is usable.
type Options struct {
	// Now is the clock; tests inject a fixed one. Default time.Now.
	Now func() time.Time
	// Location cuts days and quarters. Default Asia/Shanghai.
	Location *time.Location
	// LockTimeout is how long Open waits for another process to release the
	// file. Default 1s.
	LockTimeout time.Duration
	// BcryptCost for password hashes. Default bcrypt.DefaultCost.
	BcryptCost int
	// ReadOnly opens the file without writing (used by tools).
	ReadOnly bool
	// AuditKeyFile is the key of the audit chain's HMAC; default
	// DATA/audit.key, created (32 random bytes) when the store's chain has
	// no keyed entry yet.
	AuditKeyFile string
	// FieldKeyFile is the key that seals the sensitive free texts
	// (field_key.go); default DATA/field.key, created when the store's
	// fields are not sealed yet.
	FieldKeyFile string
}

// Store owns the bbolt file and every domain record in it. Each exported
// method that writes is one transaction, and adds its audit entries inside
// that same transaction.
type Store struct {
	db   *bolt.DB
	path string
	// writer shares commits among concurrent check-ins; nil when read-only.
	writer *groupcommit.Writer
	now    func() time.Time
	loc    *time.Location
	cost   int
	// attendance holds the attendance rules and the check-in cache.
	attendance *attState
	// rates caches the decoded index and activities (rates_index.go).
	rates *ratesCache
	// policy is the appraisal policy in force; nil means DefaultPolicy.
	policy atomic.Pointer[Policy]
	// auth caches token checks between writes (authcache.go).
	auth authCache
	// auditKey keys the audit chain's HMAC (audit_key.go); nil only in a
	// read-only open without the key file.
	auditKey []byte
	// snapshots caches decoded snapshots of locked periods (snapshot.go).
	snapshots *snapshotCache
	// loginMax is the longest username a login may send (username.go).
	loginMax atomic.Int32
	// dummy is a bcrypt hash at the store's cost, compared for unknown
	// usernames (auth.go).
	dummy     []byte
	dummyOnce sync.Once
	// reportRate counts learning-report writes (report_rate.go).
	reportRate reportRate
	// reminders holds the reminder rules (reminders.go).
	reminders reminderRulesHolder
	// writeWatch, when set (WatchWrites: tests), sees every write
	// transaction (audit_watch.go).
	writeWatch func(WriteSeen)
	// outboxKick wakes the sender after a commit that queued messages.
	outboxKick chan struct{}
	// meetings are the 三会一课 rules in force; nil means DefaultMeetingRules.
	meetings atomic.Pointer[MeetingRules]
	// fours keeps the sessions' 四落实 between writes (four_cache.go).
	fours fourCache
	// profile caches the security profile (security.go); nil: read it.
	profile atomic.Pointer[Profile]
	// security is the security policy in force (security_policy.go).
	security atomic.Pointer[SecurityPolicy]
	// idle tracks the last use of each login session (sessions.go).
	idle idleTracker
	// privacy is the privacy policy in force (privacy.go); nil: default.
	privacy atomic.Pointer[PrivacyPolicy]
}

// DefaultLocation is the time zone used when none is configured.
func DefaultLocation() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Open opens (creating if needed) the store in the data folder dir, creates
// the buckets and runs pending migrations. A file held by another process
// fails within LockTimeout with an error that says the store is in use.
func Open(dir string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Location == nil {
		opt.Location = DefaultLocation()
	}
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if opt.BcryptCost == 0 {
		opt.BcryptCost = 10
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, ReadOnly: opt.ReadOnly})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, inUse("store %s is in use by another studyroll process (the file is locked); stop it or use another --data folder", path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: opt.Now, loc: opt.Location, cost: opt.BcryptCost, attendance: newAttState(), rates: newRatesCache(),
		outboxKick: make(chan struct{}, 1),
		snapshots:  &snapshotCache{m: map[string]*PeriodSnapshot{}}}
	if !opt.ReadOnly {
		s.writer = groupcommit.New(db, 0)
	}

	keyPath := opt.AuditKeyFile
	if keyPath == "" {
		keyPath = filepath.Join(dir, AuditKeyFile)
	}
	fieldPath := opt.FieldKeyFile
	if fieldPath == "" {
		fieldPath = filepath.Join(dir, FieldKeyFile)
	}
	err = s.view(func(tx *bolt.Tx) error {
		var err error
		var create bool
		if tx.Bucket(bucketMeta) == nil {
			create = !opt.ReadOnly // a new file
		} else {
			create = !opt.ReadOnly && (keyedFrom(tx) == 0 || tx.Bucket(bucketAudit).Sequence() < keyedFrom(tx))
		}
		if s.auditKey, err = loadAuditKey(keyPath, create); err != nil {
			return err
		}
		fieldCreate := !opt.ReadOnly && (tx.Bucket(bucketMeta) == nil || !fieldsSealed(tx))
		fields, err := loadFieldKey(fieldPath, fieldCreate)
		if err != nil {
			return err
		}
		if fields != nil {
			fieldCiphers.Store(db, fields)
		}
		if tx.Bucket(bucketMeta) == nil || opt.ReadOnly {
			return nil // a read-only open writes nothing; without the key it cannot check the chain
		}
		if err := mustHaveFieldKey(tx, fields, fieldPath); err != nil {
			return err
		}
		return mustHaveKey(tx, s.auditKey, keyPath)
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	if !opt.ReadOnly {
		if err := s.migrate(); err != nil {
			s.Close()
			return nil, err
		}
		if err := s.keyTheChain(); err != nil {
			s.Close()
			return nil, fmt.Errorf("open store %s: key the audit chain: %w", path, err)
		}
	}
	if err := s.view(func(tx *bolt.Tx) error {
		s.loginMax.Store(int32(loginUsernameLimit(tx)))
		return nil
	}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error {
	if s.writer != nil {
		s.writer.Close() // commits the check-ins already queued
	}
	fieldCiphers.Delete(s.db)
	return s.db.Close()
}

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Location is the time zone that cuts days and quarters.
func (s *Store) Location() *time.Location { return s.loc }

// Today is the current date (YYYY-MM-DD) in the store's time zone.
func (s *Store) Today() string { return s.now().In(s.loc).Format(DateLayout) }

// WriteTo writes a consistent copy of the whole store to w, safe while the
// store is serving (one read transaction).
func (s *Store) WriteTo(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// Check runs bbolt's consistency check and returns every problem found.
func (s *Store) Check() []error {
	var errs []error
	_ = s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	return errs
}

// update runs fn in a read-write transaction and translates storage failures
// (disk full, closed store) into errors users can act on.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	err := s.db.Update(s.watched(fn))
	s.auth.invalidate() // tokens or members may have changed
	return storageErr(err)
}

// view runs fn in a read-only transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return storageErr(s.db.View(fn))
}

// batch runs fn through the store's group commit (internal/groupcommit):
// concurrent callers share one commit. fn may run more than once and must
// be idempotent.
func (s *Store) batch(fn func(tx *bolt.Tx) error) error {
	if s.writer == nil { // read-only
		return storageErr(s.db.Update(s.watched(fn)))
	}
	return storageErr(s.writer.Do(s.watched(fn)))
}

func storageErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bolterrors.ErrDatabaseNotOpen):
		return Errorf(KindUnavailable, "store_closed", "the store is closed")
	case errors.Is(err, syscall.ENOSPC):
		return Errorf(KindUnavailable, "disk_full", "the disk is full: nothing was written; free some space and retry")
	case errors.Is(err, bolterrors.ErrDatabaseReadOnly):
		return Errorf(KindUnavailable, "read_only", "the store is read-only")
	}
	return err
}

// itob encodes an id as 8 big-endian bytes, so cursor order is numeric order.
func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// btoi decodes an 8-byte key.
func btoi(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// idKey turns a wire id ("42") into its key; ok is false for ids that cannot
// exist.
func idKey(id string) ([]byte, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != id { // "0004" is not id 4
		return nil, false
	}
	return itob(n), true
}

// keyID turns a key back into a wire id.
func keyID(k []byte) string { return strconv.FormatUint(btoi(k), 10) }

// pairKey joins two ids into a 16-byte composite key (session+member …), so
// a prefix scan lists one side and uniqueness is free.
func pairKey(a, b []byte) []byte {
	k := make([]byte, 0, len(a)+len(b))
	return append(append(k, a...), b...)
}

// nextID draws the next id of bucket b.
func nextID(b *bolt.Bucket) (string, []byte, error) {
	n, err := b.NextSequence()
	if err != nil {
		return "", nil, err
	}
	return strconv.FormatUint(n, 10), itob(n), nil
}

// copyBytes returns a copy of b that outlives the transaction.
func copyBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

type ctxKey int

const actorKey ctxKey = 0

// WithActor returns ctx carrying the id of the member who acts; audit
// entries name that member. Jobs use "system".
func WithActor(ctx context.Context, memberID string) context.Context {
	return context.WithValue(ctx, actorKey, memberID)
}

// ActorFrom returns the acting member's id, "system" when none.
func ActorFrom(ctx context.Context) string {
	if v, ok := ctx.Value(actorKey).(string); ok && v != "" {
		return v
	}
	return "system"
}

// Bulk runs fn with fsync per commit turned off and syncs once at the end.
// Only for filling a fresh store before it serves (the demo, the bench): a
// crash during fn may lose fn's writes, never the file's consistency before it.
func (s *Store) Bulk(fn func() error) error {
	s.db.NoSync = true
	err := fn()
	s.db.NoSync = false
	if serr := s.db.Sync(); err == nil {
		err = serr
	}
	return err
}
