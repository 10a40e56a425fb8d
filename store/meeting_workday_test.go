package store

import (
	"testing"
	"time"
)

// TestMinutesDueWorkingDays: minutes are due MinutesDueDays working days
// after the session's day; weekends and the configured holidays do not
// count, the configured make-up workdays (调休) do. National Day 2026: 1–7
// October off, Sunday 27 September and Saturday 10 October worked.
func TestMinutesDueWorkingDays(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	plain := DefaultMeetingRules()
	cal := DefaultMeetingRules()
	cal.Holidays = []string{"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"}
	cal.Workdays = []string{"2026-09-27", "2026-10-10"}
	if err := cal.Validate("meetings"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		ends  string // session end, Beijing time
		rules MeetingRules
		days  int
		want  string
	}{
		{"Monday, no calendar", "2026-09-21 11:00", plain, 3, "2026-09-24"},
		{"Thursday over a weekend", "2026-09-24 11:00", plain, 3, "2026-09-29"},
		{"Friday 23:30 is Friday's", "2026-09-25 23:30", plain, 1, "2026-09-28"},
		{"Friday, Sunday a workday", "2026-09-25 11:00", cal, 1, "2026-09-27"},
		{"before National Day, no calendar", "2026-09-30 11:00", plain, 3, "2026-10-05"},
		{"before National Day", "2026-09-30 11:00", cal, 3, "2026-10-10"},
		{"before National Day, one day", "2026-09-30 11:00", cal, 1, "2026-10-08"},
		{"on a holiday", "2026-10-03 11:00", cal, 2, "2026-10-09"},
		{"Friday before a make-up Saturday", "2026-10-09 16:00", cal, 1, "2026-10-10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ends, err := time.ParseInLocation("2006-01-02 15:04", c.ends, loc)
			if err != nil {
				t.Fatal(err)
			}
			c.rules.MinutesDueDays = c.days
			if got := dueDate(ends.UTC(), c.rules, loc).Format(DateLayout); got != c.want {
				t.Errorf("due %s, want %s", got, c.want)
			}
		})
	}
}
