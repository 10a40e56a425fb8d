package store

import (
	"fmt"
	"time"
)

// SecurityPolicy is the security settings in force: from the profile's
// defaults, changed by "security" in --config.
type SecurityPolicy struct {
	// SecondFactorRoles must log in with a second factor (in level3 the
	// three administrators always must, whatever this says).
	SecondFactorRoles []Role
	// IdleTimeout ends a login session not used for this long; 0: only
	// the absolute lifetime (12 h) applies.
	IdleTimeout time.Duration
	// Password is the password policy applied when a password is set.
	Password PasswordPolicy
	// AuditRetention is how long audit entries are kept at least; never
	// less than MinAuditRetention.
	AuditRetention time.Duration
}

// PasswordPolicy is checked whenever a password is set (never at login:
// an existing password that no longer meets it still works).
type PasswordPolicy struct {
	MinLength int `json:"min_length"`
	// Classes is how many of the four classes (lower case, upper case,
	// digits, others) a password needs.
	Classes int `json:"classes"`
	// NoUsername refuses a password that contains the username.
	NoUsername bool `json:"no_username"`
	// History refuses the last History passwords of the account.
	History int `json:"history"`
	// MaxAgeDays asks for a new password after that many days; 0: never.
	MaxAgeDays int `json:"max_age_days"`
}

// MinAuditRetention is the shortest audit retention allowed (等保 2.0
// level 3 asks for at least six months of logs).
const MinAuditRetention = 180 * 24 * time.Hour

// DefaultSecurityPolicy is the policy of profile p without a config.
// Standard is today's behaviour: passwords of 8 characters, 12-hour
// sessions without an idle timeout, no second factor required.
func DefaultSecurityPolicy(p Profile) SecurityPolicy {
	if p == ProfileLevel3 {
		return SecurityPolicy{
			IdleTimeout:    15 * time.Minute,
			Password:       PasswordPolicy{MinLength: 8, Classes: 3, NoUsername: true, History: 5},
			AuditRetention: MinAuditRetention,
		}
	}
	return SecurityPolicy{Password: PasswordPolicy{MinLength: MinPasswordLen}, AuditRetention: MinAuditRetention}
}

// Validate checks the settings; each problem names its config key.
func (sp SecurityPolicy) Validate() error {
	fe := FieldErrors{}
	for _, r := range sp.SecondFactorRoles {
		if !r.Valid() {
			fe.Add("security.second_factor_roles", fmt.Sprintf("%q is not one of %s", r, RoleNames))
		}
	}
	if sp.IdleTimeout < 0 || sp.IdleTimeout > 12*time.Hour {
		fe.Add("security.idle_timeout", "from 0 (off) to 12h")
	}
	pp := sp.Password
	if pp.MinLength < MinPasswordLen || pp.MinLength > 64 {
		fe.Add("security.password.min_length", "from 8 to 64")
	}
	if pp.Classes < 0 || pp.Classes > 4 {
		fe.Add("security.password.classes", "from 0 to 4")
	}
	if pp.History < 0 || pp.History > 24 {
		fe.Add("security.password.history", "from 0 to 24")
	}
	if pp.MaxAgeDays < 0 || pp.MaxAgeDays > 3650 {
		fe.Add("security.password.max_age_days", "from 0 (never) to 3650")
	}
	if sp.AuditRetention < MinAuditRetention {
		fe.Add("security.audit_retention_days", fmt.Sprintf("at least 180 days (got %d)", int(sp.AuditRetention/(24*time.Hour))))
	}
	return fe.Err()
}

// SetSecurityPolicy puts sp in force; an invalid policy is refused.
func (s *Store) SetSecurityPolicy(sp SecurityPolicy) error {
	if err := sp.Validate(); err != nil {
		return err
	}
	s.security.Store(&sp)
	return nil
}

// SecurityPolicy returns the settings in force: the profile's defaults
// until SetSecurityPolicy.
func (s *Store) SecurityPolicy() SecurityPolicy {
	if sp := s.security.Load(); sp != nil {
		return *sp
	}
	return DefaultSecurityPolicy(s.Profile())
}
