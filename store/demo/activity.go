package demo

import (
	"context"
	"math/rand/v2"

	"studyroll/store"
)

// seedActivity adds plans, sessions, attendance, exams and reports. It grows
// with the features.
func seedActivity(ctx context.Context, s *store.Store, org *Org, rng *rand.Rand) error {
	return nil
}
