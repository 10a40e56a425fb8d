package handlers

import (
	"context"
	"runtime"
	"sync"
	"time"

	"studyroll/limit"
	"studyroll/store"
)

// Login limits. A failed login counts against three keys at once:
//   - the (username, client address) pair: 5 a minute, then 429;
//   - the client address: 50 in 10 minutes, whatever the usernames (a spray
//     of one guess per username);
//   - the username: 20 in 15 minutes from anywhere; past that, the username
//     is refused only from addresses that have failures of their own in
//     their window, so a stranger cannot lock a user out of an address
//     with a clean record.
//
// The attempt is counted (reserved) before bcrypt runs and given back when
// the password was right, so parallel requests cannot slip past the count.
const (
	pairMax, addrMax, userMax          = 5, 50, 20
	pairWindow, addrWindow, userWindow = time.Minute, 10 * time.Minute, 15 * time.Minute
	// limiterCap bounds the keys each table holds (16-byte keys: a few MiB
	// at most).
	limiterCap = 50000
	// bcryptQueue is how many logins may wait for a bcrypt slot; more get
	// 503 busy.
	bcryptQueue = 64
)

// loginLimiter holds the three failure tables under one lock and the
// bcrypt slots.
type loginLimiter struct {
	now func() time.Time

	mu               sync.Mutex
	pair, addr, user *limit.Table

	slots   chan struct{} // one token per bcrypt running
	waiting int           // logins waiting for a slot (under mu)
	queue   int
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{
		now:   now,
		pair:  limit.New(pairWindow, pairMax, limiterCap),
		addr:  limit.New(addrWindow, addrMax, limiterCap),
		user:  limit.New(userWindow, userMax, limiterCap),
		slots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		queue: bcryptQueue,
	}
}

// reservation is a counted attempt.
type reservation struct {
	pair, addr, user limit.Key
}

// reserve counts an attempt of user from addr, or says how long to wait.
func (l *loginLimiter) reserve(user, addr string) (reservation, time.Duration) {
	r := reservation{pair: limit.KeyOf("pair", user, addr), addr: limit.KeyOf("addr", addr), user: limit.KeyOf("user", user)}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := l.pair.Wait(r.pair, now)
	if w := l.addr.Wait(r.addr, now); w > wait {
		wait = w
	}
	if w := l.user.Wait(r.user, now); w > wait && l.addr.Count(r.addr, now) > 0 {
		wait = w
	}
	if wait > 0 {
		return r, wait
	}
	l.pair.Add(r.pair, now)
	l.addr.Add(r.addr, now)
	l.user.Add(r.user, now)
	return r, 0
}

// succeeded gives back a reservation of a right password and clears the
// pair's failures.
func (l *loginLimiter) succeeded(r reservation) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pair.Reset(r.pair)
	l.addr.Undo(r.addr, now)
	l.user.Undo(r.user, now)
}

// cancel gives back a reservation of an attempt that failed for another
// reason than the credentials (a closed store, an internal error).
func (l *loginLimiter) cancel(r reservation) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pair.Undo(r.pair, now)
	l.addr.Undo(r.addr, now)
	l.user.Undo(r.user, now)
}

// check runs f (the bcrypt compare) in one of the bounded slots. When too
// many logins already wait, it answers 503 busy at once.
func (l *loginLimiter) check(ctx context.Context, f func() (*store.Member, error)) (*store.Member, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		l.mu.Lock()
		if l.waiting >= l.queue {
			l.mu.Unlock()
			return nil, store.Errorf(store.KindUnavailable, "busy", "too many logins at once: retry in a moment")
		}
		l.waiting++
		l.mu.Unlock()
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			l.mu.Lock()
			l.waiting--
			l.mu.Unlock()
			return nil, store.Errorf(store.KindUnavailable, "busy", "the login was given up")
		}
		l.mu.Lock()
		l.waiting--
		l.mu.Unlock()
	}
	defer func() { <-l.slots }()
	return f()
}

// sizes returns the number of keys each table holds (tests).
func (l *loginLimiter) sizes() (pair, addr, user int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pair.Len(), l.addr.Len(), l.user.Len()
}
