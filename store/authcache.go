package store

import (
	"sync"
	"time"
)

// authCache keeps recent token checks in memory, so a burst of requests
// (every member checking in within a minute) does not open a read
// transaction per request just to authenticate: bbolt's begin/end of a read
// transaction takes a mutex that every request then queues on.
//
// Correctness: every write other than a check-in goes through Store.update,
// which empties the cache after its commit and bumps gen; a check started
// before that commit stores its answer only if gen has not moved, so no
// answer read from an older snapshot survives a logout, a password change
// or a closed account. Entries also expire after authCacheTTL and never
// outlive their token.
type authCache struct {
	mu      sync.RWMutex
	gen     uint64
	entries map[string]authEntry
}

type authEntry struct {
	member  Member
	expires time.Time // the token's expiry
	cached  time.Time
}

const (
	authCacheTTL = time.Minute
	// authCacheMax holds a token for every member of a 100,000-member
	// organisation checking in at once, with room for the leads' and
	// admins' own.
	authCacheMax = 150000
)

func (c *authCache) get(key string, now time.Time) (*Member, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) || now.Sub(e.cached) > authCacheTTL || now.Before(e.cached) {
		return nil, false
	}
	m := e.member
	return &m, true
}

func (c *authCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *authCache) put(key string, gen uint64, e authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.entries == nil {
		c.entries = map[string]authEntry{}
	}
	if len(c.entries) >= authCacheMax {
		// full: drop a quarter (in map order, which is random), not every
		// entry, so a burst as large as the cache does not miss on every
		// request after it fills
		n := authCacheMax / 4
		for k := range c.entries {
			delete(c.entries, k)
			if n--; n == 0 {
				break
			}
		}
	}
	c.entries[key] = e
}

// invalidate forgets every entry; called after each committed write.
func (c *authCache) invalidate() {
	c.mu.Lock()
	c.gen++
	if len(c.entries) > 0 {
		c.entries = nil
	}
	c.mu.Unlock()
}
