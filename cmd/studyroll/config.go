package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"studyroll/schedule"
	"studyroll/store"
)

// config is what `serve --config FILE` reads. The file is JSON; every key
// is optional and unknown keys are refused, so a typo is not silently
// ignored:
//
//	{
//	  "security_profile": "standard" | "level3",
//	  "policy":    { …store.Policy: weights, bands, labels … },
//	  "schedules": {"close_sessions": "* * * * *", "rates_snapshot": "30 1 * * *",
//	                "quarterly_reports": "0 2 1 1,4,7,10 *", "annual_reports": "0 2 1 1 *",
//	                "backup": "0 3 * * *"},
//	  "backup":    {"keep": 7},
//	  "snapshots": {"keep": 92},
//	  "attendance": {"opens_before": "30m", "grace": "5m", "close_after": "10m"},
//	  "meetings":  {"frequencies": {"branch": {"party_congress": "quarterly", "theme_day": "off"},
//	                                "party_group": {"group_meeting": "monthly"}},
//	                "minutes_due_days": 3, "first_topic_required": ["branch"],
//	                "holidays": ["2026-10-01", …], "workdays": ["2026-09-28", …]},
//	  "reminders": {"day_before_at": "18:00", "soon_before": "30m", "deadline_days": 3},
//	  "finding_categories": ["学习制度落实", "考勤登记", …],
//	  "privacy":   {"erase_after_years": 5, "notice": "个人信息处理告知……"}
//	}
//
// A meetings frequency (monthly, quarterly, yearly or off) replaces the
// default of that group type and kind; kinds not named keep theirs.
//
// Schedules are cron specs in the server's time zone (--tz), or "off".
type config struct {
	Policy       store.Policy
	Schedules    schedule.Schedules
	BackupKeep   int
	SnapshotKeep int
	Attendance   store.AttendanceRules
	Meetings     store.MeetingRules
	Reminders    store.ReminderRules
	// FindingCategories are the categories of inspection findings; nil
	// keeps store.DefaultFindingCategories.
	FindingCategories []string
	// Profile is the security profile asked for; "" keeps the store's.
	Profile store.Profile
	// Security holds the file's security settings; apply them over the
	// profile's defaults with security.apply.
	Security securityFile
	// Privacy is the erasure retention and the privacy notice.
	Privacy store.PrivacyPolicy
}

// securityFile is "security" in the config file: each key left out keeps
// the profile's default (store.DefaultSecurityPolicy).
type securityFile struct {
	IdleTimeout        *string       `json:"idle_timeout"`
	SecondFactorRoles  *[]store.Role `json:"second_factor_roles"`
	AuditRetentionDays *int          `json:"audit_retention_days"`
	Password           *struct {
		MinLength  *int  `json:"min_length"`
		Classes    *int  `json:"classes"`
		NoUsername *bool `json:"no_username"`
		History    *int  `json:"history"`
		MaxAgeDays *int  `json:"max_age_days"`
	} `json:"password"`
}

// apply returns the profile's defaults changed by the file, validated.
func (f securityFile) apply(p store.Profile) (store.SecurityPolicy, error) {
	sp := store.DefaultSecurityPolicy(p)
	var probs []string
	if f.IdleTimeout != nil {
		d, err := time.ParseDuration(*f.IdleTimeout)
		if err != nil {
			probs = append(probs, fmt.Sprintf("security.idle_timeout: a duration like \"15m\" (got %q)", *f.IdleTimeout))
		}
		sp.IdleTimeout = d
	}
	if f.SecondFactorRoles != nil {
		sp.SecondFactorRoles = *f.SecondFactorRoles
	}
	if f.AuditRetentionDays != nil {
		sp.AuditRetention = time.Duration(*f.AuditRetentionDays) * 24 * time.Hour
	}
	if pw := f.Password; pw != nil {
		for _, x := range []struct {
			v   *int
			dst *int
		}{{pw.MinLength, &sp.Password.MinLength}, {pw.Classes, &sp.Password.Classes}, {pw.History, &sp.Password.History}, {pw.MaxAgeDays, &sp.Password.MaxAgeDays}} {
			if x.v != nil {
				*x.dst = *x.v
			}
		}
		if pw.NoUsername != nil {
			sp.Password.NoUsername = *pw.NoUsername
		}
	}
	if err := sp.Validate(); err != nil {
		var se *store.Error
		if errors.As(err, &se) {
			for _, k := range sortedLines(se.Fields) {
				probs = append(probs, k+": "+se.Fields[k])
			}
		} else {
			probs = append(probs, err.Error())
		}
	}
	if len(probs) > 0 {
		return sp, errors.New(strings.Join(probs, "; "))
	}
	return sp, nil
}

// configFile is the file's shape.
type configFile struct {
	Policy          json.RawMessage    `json:"policy"`
	SecurityProfile string             `json:"security_profile"`
	Security        securityFile       `json:"security"`
	Schedules       schedule.Schedules `json:"schedules"`
	Backup          struct {
		Keep int `json:"keep"`
	} `json:"backup"`
	Snapshots struct {
		Keep int `json:"keep"`
	} `json:"snapshots"`
	Attendance struct {
		OpensBefore string `json:"opens_before"`
		Grace       string `json:"grace"`
		CloseAfter  string `json:"close_after"`
	} `json:"attendance"`
	Meetings *struct {
		Frequencies        map[string]map[string]string `json:"frequencies"`
		MinutesDueDays     *int                         `json:"minutes_due_days"`
		FirstTopicRequired *[]string                    `json:"first_topic_required"`
		Holidays           []string                     `json:"holidays"`
		Workdays           []string                     `json:"workdays"`
	} `json:"meetings"`
	Reminders struct {
		DayBeforeAt  string `json:"day_before_at"`
		SoonBefore   string `json:"soon_before"`
		DeadlineDays int    `json:"deadline_days"`
	} `json:"reminders"`
	FindingCategories []string `json:"finding_categories"`
	Privacy           struct {
		EraseAfterYears *int    `json:"erase_after_years"`
		Notice          *string `json:"notice"`
	} `json:"privacy"`
}

// maxKeep bounds the retention counts.
const maxKeep = 10000

// defaultConfig is the configuration without a file.
func defaultConfig() *config {
	return &config{Policy: store.DefaultPolicy(), Schedules: schedule.DefaultSchedules(), BackupKeep: 7, SnapshotKeep: 92,
		Attendance: store.DefaultAttendanceRules, Reminders: store.DefaultReminderRules, Meetings: store.DefaultMeetingRules(),
		Privacy: store.DefaultPrivacyPolicy()}
}

// loadConfig reads and validates the config file; "" gives the defaults.
// Every problem is reported at once, naming its key.
func loadConfig(path string) (*config, error) {
	cfg := defaultConfig()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if err := cfg.parse(data); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// parse fills cfg from the bytes of a config file.
func (cfg *config) parse(data []byte) error {
	var f configFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("not a valid config object: %w", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON object")
	}
	var probs []string
	if f.SecurityProfile != "" {
		if p := store.Profile(f.SecurityProfile); p.Valid() {
			cfg.Profile = p
		} else {
			probs = append(probs, fmt.Sprintf("security_profile: \"standard\" or \"level3\" (got %q)", f.SecurityProfile))
		}
	}
	cfg.Security = f.Security
	// Checked here over both profiles' defaults, so a bad value (an audit
	// retention under 180 days) stops the start before the store opens.
	for _, p := range []store.Profile{store.ProfileStandard, store.ProfileLevel3} {
		if _, err := f.Security.apply(p); err != nil {
			probs = append(probs, err.Error())
			break
		}
	}
	if len(f.Policy) > 0 && string(f.Policy) != "null" {
		if bytes.HasPrefix(bytes.TrimSpace(f.Policy), []byte("{")) {
			p, err := store.ParsePolicy(f.Policy)
			if err != nil {
				probs = append(probs, err.Error())
			} else {
				cfg.Policy = p
			}
		} else {
			probs = append(probs, "policy: must be an object")
		}
	}
	pp := store.DefaultPrivacyPolicy()
	if f.Privacy.EraseAfterYears != nil {
		pp.EraseAfterYears = *f.Privacy.EraseAfterYears
	}
	if f.Privacy.Notice != nil {
		pp.Notice = strings.TrimSpace(*f.Privacy.Notice)
	}
	if err := pp.Validate(); err != nil {
		probs = append(probs, err.Error())
	} else {
		cfg.Privacy = pp
	}
	if f.FindingCategories != nil {
		if err := store.ValidFindingCategories(f.FindingCategories); err != nil {
			probs = append(probs, err.Error())
		} else {
			cfg.FindingCategories = f.FindingCategories
		}
	}
	def := schedule.DefaultSchedules()
	s := f.Schedules
	for _, pair := range []struct {
		v *string
		d string
	}{
		{&s.CloseSessions, def.CloseSessions}, {&s.RatesSnapshot, def.RatesSnapshot},
		{&s.QuarterlyReports, def.QuarterlyReports}, {&s.AnnualReports, def.AnnualReports}, {&s.Backup, def.Backup},
		{&s.Reminders, def.Reminders}, {&s.WarningsDigest, def.WarningsDigest}, {&s.AuditVerify, def.AuditVerify},
		{&s.EraseClosed, def.EraseClosed},
	} {
		if strings.TrimSpace(*pair.v) == "" {
			*pair.v = pair.d
		}
	}
	if err := s.Validate(); err != nil {
		probs = append(probs, err.Error())
	} else {
		cfg.Schedules = s
	}
	for _, k := range []struct {
		name string
		v    int
		dst  *int
	}{{"backup.keep", f.Backup.Keep, &cfg.BackupKeep}, {"snapshots.keep", f.Snapshots.Keep, &cfg.SnapshotKeep}} {
		switch {
		case k.v < 0 || k.v > maxKeep:
			probs = append(probs, fmt.Sprintf("%s: must be from 1 to %d (got %d)", k.name, maxKeep, k.v))
		case k.v > 0:
			*k.dst = k.v
		}
	}
	for _, d := range []struct {
		name, v string
		dst     *time.Duration
		max     time.Duration
	}{
		{"attendance.opens_before", f.Attendance.OpensBefore, &cfg.Attendance.OpensBefore, 24 * time.Hour},
		{"attendance.grace", f.Attendance.Grace, &cfg.Attendance.Grace, 24 * time.Hour},
		{"attendance.close_after", f.Attendance.CloseAfter, &cfg.Attendance.CloseAfter, 7 * 24 * time.Hour},
	} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil || v < 0 || v > d.max {
			probs = append(probs, fmt.Sprintf("%s: a duration like \"30m\" from 0 to %s (got %q)", d.name, d.max, d.v))
			continue
		}
		*d.dst = v
	}
	if m := f.Meetings; m != nil {
		r := store.DefaultMeetingRules()
		for gt, kinds := range m.Frequencies {
			if r.Frequencies[gt] == nil {
				r.Frequencies[gt] = map[string]store.Frequency{}
			}
			for k, v := range kinds {
				if v == "off" {
					v = ""
				} else if v == "" {
					v = "(empty)"
				}
				r.Frequencies[gt][k] = store.Frequency(v)
			}
		}
		if m.MinutesDueDays != nil {
			r.MinutesDueDays = *m.MinutesDueDays
		}
		if m.FirstTopicRequired != nil {
			r.FirstTopicRequired = *m.FirstTopicRequired
		}
		r.Holidays, r.Workdays = m.Holidays, m.Workdays
		if err := r.Validate("meetings"); err != nil {
			probs = append(probs, err.Error())
		} else {
			cfg.Meetings = r
		}
	}
	probs = append(probs, cfg.parseReminders(f)...)
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

// parseReminders reads the "reminders" object: the time of day of the
// day-before reminder ("18:00"), how long before a session the second goes
// ("30m", at most 24h) and how many days before a rectification deadline
// (1 to 30).
func (cfg *config) parseReminders(f configFile) []string {
	var probs []string
	r := f.Reminders
	if r.DayBeforeAt != "" {
		t, err := time.Parse("15:04", r.DayBeforeAt)
		if err != nil || (t.Hour() == 0 && t.Minute() == 0) {
			probs = append(probs, fmt.Sprintf("reminders.day_before_at: a time of day like \"18:00\", after 00:00 (got %q)", r.DayBeforeAt))
		} else {
			cfg.Reminders.DayBeforeAt = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
		}
	}
	if r.SoonBefore != "" {
		d, err := time.ParseDuration(r.SoonBefore)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			probs = append(probs, fmt.Sprintf("reminders.soon_before: a duration like \"30m\" from 1m to 24h (got %q)", r.SoonBefore))
		} else {
			cfg.Reminders.SoonBefore = d
		}
	}
	switch {
	case r.DeadlineDays < 0 || r.DeadlineDays > 30:
		probs = append(probs, fmt.Sprintf("reminders.deadline_days: from 1 to 30 (got %d)", r.DeadlineDays))
	case r.DeadlineDays > 0:
		cfg.Reminders.DeadlineDays = r.DeadlineDays
	}
	return probs
}
