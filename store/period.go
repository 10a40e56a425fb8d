package store

import (
	"fmt"
	"strconv"
	"time"
)

// DateLayout is the wire and storage form of a date.
const DateLayout = "2006-01-02"

// Period is a year ("2023") or a quarter ("2023Q3"), cut in a time zone.
type Period struct {
	Year    int
	Quarter int // 1..4, 0 for a whole year
	Start   time.Time
	End     time.Time // exclusive
}

// ParsePeriod reads "2023" or "2023Q3" (a lower-case q is accepted) in loc.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
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

// Years returns the quarters of a year period, or the period itself.
func (p Period) Quarters() []Period {
	if p.Quarter != 0 {
		return []Period{p}
	}
	out := make([]Period, 4)
	for q := 1; q <= 4; q++ {
		out[q-1], _ = ParsePeriod(fmt.Sprintf("%dQ%d", p.Year, q), p.Start.Location())
	}
	return out
}

// PeriodOf returns the quarter containing t.
func PeriodOf(t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	p, _ := ParsePeriod(fmt.Sprintf("%dQ%d", t.Year(), (int(t.Month())-1)/3+1), loc)
	return p
}

// ValidDate reports whether s is a real date in YYYY-MM-DD form.
func ValidDate(s string) bool {
	t, err := time.Parse(DateLayout, s)
	return err == nil && t.Format(DateLayout) == s
}
