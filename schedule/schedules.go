package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// The kinds of job. The scheduled ones have a schedule in Schedules;
// KindReports is started by POST /reports or `studyroll report`.
const (
	KindCloseSessions    = "close_sessions"
	KindRatesSnapshot    = "rates_snapshot"
	KindQuarterlyReports = "quarterly_reports"
	KindAnnualReports    = "annual_reports"
	KindBackup           = "backup"
	KindAuditVerify      = "audit_verify"
	KindReminders        = "reminders"
	KindWarningsDigest   = "warnings_digest"
	KindEraseClosed      = "erase_closed"
	KindReports          = "reports"
)

// Schedules are the cron specifications of the scheduled jobs, read in the
// server's time zone: five fields (minute hour day-of-month month
// day-of-week) or a descriptor such as "@daily"; "off" disables a job.
type Schedules struct {
	CloseSessions    string `json:"close_sessions"`
	RatesSnapshot    string `json:"rates_snapshot"`
	QuarterlyReports string `json:"quarterly_reports"`
	AnnualReports    string `json:"annual_reports"`
	Backup           string `json:"backup"`
	AuditVerify      string `json:"audit_verify"`
	// Reminders scans for session and rectification reminders that are
	// due (the robots' outbox); WarningsDigest sends the weekly digest.
	Reminders      string `json:"reminders"`
	WarningsDigest string `json:"warnings_digest"`
	// EraseClosed erases the personal fields of accounts closed longer
	// than the retention (privacy.erase_after_years).
	EraseClosed string `json:"erase_closed"`
}

// DefaultSchedules: close sessions every minute, the rates snapshot at
// 01:30, the previous quarter's reports at 02:00 on the first day of each
// quarter, the previous year's at 02:00 on 1 January, the backup at 03:00,
// the reminder scan every minute, the warnings digest at 08:00 on Mondays,
// the audit chain check at 03:30, the erasure of long-closed accounts at
// 04:00.
func DefaultSchedules() Schedules {
	return Schedules{
		CloseSessions:    "* * * * *",
		RatesSnapshot:    "30 1 * * *",
		QuarterlyReports: "0 2 1 1,4,7,10 *",
		AnnualReports:    "0 2 1 1 *",
		Backup:           "0 3 * * *",
		AuditVerify:      "30 3 * * *",
		Reminders:        "* * * * *",
		WarningsDigest:   "0 8 * * 1",
		EraseClosed:      "0 4 * * *",
	}
}

// Off is the schedule that disables a job.
const Off = "off"

var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// entries pairs each kind with its spec and JSON field name.
func (s Schedules) entries() []struct{ kind, field, spec string } {
	return []struct{ kind, field, spec string }{
		{KindCloseSessions, "close_sessions", s.CloseSessions},
		{KindRatesSnapshot, "rates_snapshot", s.RatesSnapshot},
		{KindQuarterlyReports, "quarterly_reports", s.QuarterlyReports},
		{KindAnnualReports, "annual_reports", s.AnnualReports},
		{KindBackup, "backup", s.Backup},
		{KindAuditVerify, "audit_verify", s.AuditVerify},
		{KindReminders, "reminders", s.Reminders},
		{KindWarningsDigest, "warnings_digest", s.WarningsDigest},
		{KindEraseClosed, "erase_closed", s.EraseClosed},
	}
}

// Parse reads every spec; it returns the enabled schedules by kind, or one
// error naming each bad field. An empty spec means the default.
func (s Schedules) Parse() (map[string]cron.Schedule, error) {
	def := DefaultSchedules().entries()
	out := map[string]cron.Schedule{}
	var probs []string
	for i, e := range s.entries() {
		spec := strings.TrimSpace(e.spec)
		if spec == "" {
			spec = def[i].spec
		}
		if strings.EqualFold(spec, Off) {
			continue
		}
		if strings.HasPrefix(spec, "@every") {
			probs = append(probs, fmt.Sprintf("schedules.%s: %q: @every is not allowed (it ignores the time zone); use a cron spec", e.field, spec))
			continue
		}
		if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
			probs = append(probs, fmt.Sprintf("schedules.%s: %q: jobs run in the server's time zone (--tz); drop the TZ= prefix", e.field, spec))
			continue
		}
		sch, err := specParser.Parse(spec)
		if err != nil {
			probs = append(probs, fmt.Sprintf("schedules.%s: %q: %v (want 5 fields: minute hour day-of-month month day-of-week, a descriptor like @daily, or \"off\")", e.field, spec, err))
			continue
		}
		// A spec that can never fire (30 February) is a mistake too.
		if sch.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
			probs = append(probs, fmt.Sprintf("schedules.%s: %q never fires", e.field, spec))
			continue
		}
		out[e.kind] = sch
	}
	if len(probs) > 0 {
		return nil, errors.New("invalid schedules: " + strings.Join(probs, "; "))
	}
	return out, nil
}

// Validate reports every bad spec in one error.
func (s Schedules) Validate() error {
	_, err := s.Parse()
	return err
}

// prevActivation returns the latest activation of sch at or before now;
// ok is false when there is none in the last ten years.
func prevActivation(sch cron.Schedule, now time.Time) (time.Time, bool) {
	for window := time.Hour; window <= 10*366*24*time.Hour; window *= 2 {
		var last time.Time
		for t := sch.Next(now.Add(-window)); !t.IsZero() && !t.After(now); t = sch.Next(t) {
			last = t
		}
		if !last.IsZero() {
			return last, true
		}
	}
	return time.Time{}, false
}
