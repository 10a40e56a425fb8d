package store

import (
	"time"

	"studyroll/period"
)

// DateLayout is the wire and storage form of a date.
const DateLayout = period.DateLayout

// Period is a year ("2023") or a quarter ("2023Q3"), cut in a time zone
// (package period).
type Period = period.Period

// ParsePeriod reads "2023" or "2023Q3" (a lower-case q is accepted) in loc.
func ParsePeriod(s string, loc *time.Location) (Period, error) { return period.Parse(s, loc) }

// PeriodOf returns the quarter containing t.
func PeriodOf(t time.Time, loc *time.Location) Period { return period.Of(t, loc) }

// ValidDate reports whether s is a real date in YYYY-MM-DD form.
func ValidDate(s string) bool {
	t, err := time.Parse(DateLayout, s)
	return err == nil && t.Format(DateLayout) == s
}
