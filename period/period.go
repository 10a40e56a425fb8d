// Package period is studyroll's appraisal period: a year or one of its
// quarters, cut in the server's time zone. The store counts in it and the
// printed forms name it; both use this one type.
package period

import (
	"fmt"
	"strconv"
	"time"
)

// DateLayout is the wire and storage form of a date.
const DateLayout = "2006-01-02"

// Period is a year ("2023") or a quarter ("2023Q3"), cut in a time zone.
// Its JSON form (the data hashes of the printed forms) holds Year and
// Quarter only: Start and End follow from them and the zone.
type Period struct {
	Year    int
	Quarter int       // 1..4, 0 for a whole year
	Start   time.Time `json:"-"`
	End     time.Time `json:"-"` // exclusive
}

// Parse reads "2023" or "2023Q3" (a lower-case q is accepted) in loc.
func Parse(s string, loc *time.Location) (Period, error) {
	bad := fmt.Errorf("period %q: want a year like 2023 or a quarter like 2023Q3", s)
	if len(s) != 4 && len(s) != 6 {
		return Period{}, bad
	}
	for _, r := range s[:4] {
		if r < '0' || r > '9' {
			return Period{}, bad
		}
	}
	y, _ := strconv.Atoi(s[:4])
	if y < 1900 || y > 9998 {
		return Period{}, bad
	}
	p := Period{Year: y}
	if len(s) == 6 {
		if s[4] != 'Q' && s[4] != 'q' || s[5] < '1' || s[5] > '4' {
			return Period{}, bad
		}
		p.Quarter = int(s[5] - '0')
		p.Start = time.Date(y, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, loc)
		p.End = p.Start.AddDate(0, 3, 0)
		return p, nil
	}
	p.Start = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	p.End = p.Start.AddDate(1, 0, 0)
	return p, nil
}

// String is the canonical form: "2023" or "2023Q3".
func (p Period) String() string {
	if p.Quarter == 0 {
		return strconv.Itoa(p.Year)
	}
	return fmt.Sprintf("%dQ%d", p.Year, p.Quarter)
}

// Contains reports whether t falls inside the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// ContainsDate reports whether the date (YYYY-MM-DD) falls inside the period.
func (p Period) ContainsDate(d string) bool {
	return d >= p.Start.Format(DateLayout) && d < p.End.Format(DateLayout)
}

// FirstDate and LastDate are the period's first and last days.
func (p Period) FirstDate() string { return p.Start.Format(DateLayout) }

// LastDate is the period's last day.
func (p Period) LastDate() string { return p.End.AddDate(0, 0, -1).Format(DateLayout) }

// Quarters returns the quarters of a year period, or the period itself.
func (p Period) Quarters() []Period {
	if p.Quarter != 0 {
		return []Period{p}
	}
	out := make([]Period, 4)
	for q := 1; q <= 4; q++ {
		out[q-1], _ = Parse(fmt.Sprintf("%dQ%d", p.Year, q), p.Start.Location())
	}
	return out
}

// Of returns the quarter containing t.
func Of(t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	p, _ := Parse(fmt.Sprintf("%dQ%d", t.Year(), (int(t.Month())-1)/3+1), loc)
	return p
}

// Annual reports whether p is a whole year.
func (p Period) Annual() bool { return p.Quarter == 0 }

// Bounds returns the first and the last day of p as dates in UTC, from
// Year and Quarter alone (only the calendar date is meaningful).
func (p Period) Bounds() (first, last time.Time) {
	if p.Annual() {
		return time.Date(p.Year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(p.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	first = time.Date(p.Year, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return first, first.AddDate(0, 3, -1)
}
