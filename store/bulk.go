package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// CreateMembers adds many accounts in one transaction (all or nothing),
// hashing each distinct password once — the demo organisation and the bench
// share one password across hundreds of accounts.
func (s *Store) CreateMembers(ctx context.Context, ins []MemberInput) ([]Member, error) {
	hashes := map[string][]byte{}
	for i := range ins {
		if err := ins[i].Validate(); err != nil {
			return nil, fmt.Errorf("member %d (%s): %w", i, ins[i].Username, err)
		}
		if ins[i].JoinedOn == "" {
			ins[i].JoinedOn = s.Today()
		}
		if _, ok := hashes[ins[i].Password]; !ok {
			h, err := s.hash(ins[i].Password)
			if err != nil {
				return nil, err
			}
			hashes[ins[i].Password] = h
		}
	}
	out := make([]Member, 0, len(ins))
	err := s.update(func(tx *bolt.Tx) error {
		out = out[:0]
		for _, in := range ins {
			m, err := s.createMember(ctx, tx, in, hashes[in.Password])
			if err != nil {
				return fmt.Errorf("member %s: %w", in.Username, err)
			}
			out = append(out, *m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
