package store

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Meetings beside study (三会一课): every group has a type and every
// session a kind. A kind is checked in, counted and printed like a study
// session; which kinds a group may hold follows from its type, and how
// often it must hold them from the meeting rules (MeetingRules).

// The group types.
const (
	GroupCommittee  = "committee"   // 机关党委 / 党总支: an organ's Party body
	GroupBranch     = "branch"      // 党支部
	GroupPartyGroup = "party_group" // 党小组
	GroupOther      = "other"
)

// GroupTypes lists the group types in display order.
var GroupTypes = []string{GroupCommittee, GroupBranch, GroupPartyGroup, GroupOther}

// ValidGroupType reports whether t is one of GroupTypes.
func ValidGroupType(t string) bool { return indexOf(GroupTypes, t) >= 0 }

// The session kinds.
const (
	KindStudy            = "study"             // 集中学习 (the default)
	KindPartyCongress    = "party_congress"    // 支部党员大会
	KindCommitteeMeeting = "committee_meeting" // 支部委员会
	KindGroupMeeting     = "group_meeting"     // 党小组会
	KindPartyLecture     = "party_lecture"     // 党课
	KindThemeDay         = "theme_day"         // 主题党日
	KindLifeMeeting      = "life_meeting"      // 组织生活会
)

// SessionKinds lists the session kinds in display order.
var SessionKinds = []string{KindStudy, KindPartyCongress, KindCommitteeMeeting, KindGroupMeeting,
	KindPartyLecture, KindThemeDay, KindLifeMeeting}

// ValidSessionKind reports whether k is one of SessionKinds.
func ValidSessionKind(k string) bool { return indexOf(SessionKinds, k) >= 0 }

// KindAllowed reports whether a group of type groupType may hold a session
// of kind: a 党小组会 only in a party group, a 支部党员大会 or 支委会 only in a
// branch; every other kind anywhere.
func KindAllowed(groupType, kind string) bool {
	switch kind {
	case KindGroupMeeting:
		return groupType == GroupPartyGroup
	case KindPartyCongress, KindCommitteeMeeting:
		return groupType == GroupBranch
	}
	return ValidSessionKind(kind)
}

// kindReachesBelow reports whether a session of kind given to a group
// counts, for compliance, for every group below it too: a 党课, a 主题党日 or a
// study session given by the committee is every branch's.
func kindReachesBelow(kind string) bool {
	return kind == KindStudy || kind == KindPartyLecture || kind == KindThemeDay
}

// InferGroupType guesses a group's type from its name, else from its depth
// in the tree (0 for a root), the way the demo organisation is laid out:
// the organ's committee at the root, its units below, their branches
// below those and party groups further down.
func InferGroupType(name string, depth int) string {
	switch {
	case strings.Contains(name, "党小组"):
		return GroupPartyGroup
	case strings.Contains(name, "支部") && !strings.Contains(name, "总支"):
		return GroupBranch
	case strings.Contains(name, "党委") || strings.Contains(name, "总支") || strings.Contains(name, "党工委"):
		return GroupCommittee
	}
	switch depth {
	case 0:
		return GroupCommittee
	case 1:
		return GroupOther
	case 2:
		return GroupBranch
	}
	return GroupPartyGroup
}

// Frequency is how often a kind of meeting must be held.
type Frequency string

// The frequencies; FrequencyNone means not required.
const (
	FrequencyNone      Frequency = ""
	FrequencyMonthly   Frequency = "monthly"
	FrequencyQuarterly Frequency = "quarterly"
	FrequencyYearly    Frequency = "yearly"
)

// MeetingRules are the configurable rules of 三会一课 and minutes.
type MeetingRules struct {
	// Frequencies: group type → session kind → how often it is required.
	// Kinds not listed are not required.
	Frequencies map[string]map[string]Frequency `json:"frequencies"`
	// MinutesDueDays: minutes are due this many working days (WorkingDay)
	// after the session's day.
	MinutesDueDays int `json:"minutes_due_days"`
	// Holidays are dates (YYYY-MM-DD) that are not working days: public
	// holidays (法定节假日). Weekend dates among them change nothing.
	Holidays []string `json:"holidays,omitempty"`
	// Workdays are Saturdays and Sundays that are working days: the
	// make-up days (调休) of the holiday notices.
	Workdays []string `json:"workdays,omitempty"`
	// FirstTopicRequired: group types whose sessions need a 第一议题.
	FirstTopicRequired []string `json:"first_topic_required"`
}

// DefaultMeetingRules are the rules of the 2018 支部工作条例 and common local
// practice: a branch holds its 党员大会 and 党课 quarterly, its 支委会 and
// 主题党日 monthly, its 组织生活会 yearly; a party group its 党小组会 monthly.
// Minutes are due within 3 working days; branches name a 第一议题.
func DefaultMeetingRules() MeetingRules {
	return MeetingRules{
		Frequencies: map[string]map[string]Frequency{
			GroupBranch: {
				KindPartyCongress: FrequencyQuarterly, KindCommitteeMeeting: FrequencyMonthly,
				KindPartyLecture: FrequencyQuarterly, KindThemeDay: FrequencyMonthly, KindLifeMeeting: FrequencyYearly,
			},
			GroupPartyGroup: {KindGroupMeeting: FrequencyMonthly},
		},
		MinutesDueDays:     3,
		FirstTopicRequired: []string{GroupBranch},
	}
}

// maxMinutesDueDays bounds MinutesDueDays.
const maxMinutesDueDays = 30

// Validate checks every group type, kind and frequency, naming each
// problem by its key under prefix ("meetings").
func (r MeetingRules) Validate(prefix string) error {
	var probs []string
	types := make([]string, 0, len(r.Frequencies))
	for gt := range r.Frequencies {
		types = append(types, gt)
	}
	sort.Strings(types)
	for _, gt := range types {
		if !ValidGroupType(gt) {
			probs = append(probs, fmt.Sprintf("%s.frequencies.%s: not a group type (%s)", prefix, gt, strings.Join(GroupTypes, ", ")))
			continue
		}
		kinds := make([]string, 0, len(r.Frequencies[gt]))
		for k := range r.Frequencies[gt] {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			f := r.Frequencies[gt][k]
			switch {
			case !ValidSessionKind(k):
				probs = append(probs, fmt.Sprintf("%s.frequencies.%s.%s: not a session kind (%s)", prefix, gt, k, strings.Join(SessionKinds, ", ")))
			case !KindAllowed(gt, k) && f != FrequencyNone:
				probs = append(probs, fmt.Sprintf("%s.frequencies.%s.%s: a %s cannot hold this kind", prefix, gt, k, gt))
			case f != FrequencyNone && f != FrequencyMonthly && f != FrequencyQuarterly && f != FrequencyYearly:
				probs = append(probs, fmt.Sprintf("%s.frequencies.%s.%s: %q is not monthly, quarterly, yearly or off", prefix, gt, k, f))
			}
		}
	}
	if r.MinutesDueDays < 1 || r.MinutesDueDays > maxMinutesDueDays {
		probs = append(probs, fmt.Sprintf("%s.minutes_due_days: from 1 to %d (got %d)", prefix, maxMinutesDueDays, r.MinutesDueDays))
	}
	for _, gt := range r.FirstTopicRequired {
		if !ValidGroupType(gt) {
			probs = append(probs, fmt.Sprintf("%s.first_topic_required: %q is not a group type", prefix, gt))
		}
	}
	if len(r.Holidays)+len(r.Workdays) > maxCalendarDays {
		probs = append(probs, fmt.Sprintf("%s.holidays, workdays: at most %d dates together", prefix, maxCalendarDays))
	}
	for _, d := range r.Holidays {
		if _, err := time.Parse(DateLayout, d); err != nil {
			probs = append(probs, fmt.Sprintf("%s.holidays: %q is not a date (YYYY-MM-DD)", prefix, d))
		}
	}
	for _, d := range r.Workdays {
		day, err := time.Parse(DateLayout, d)
		switch {
		case err != nil:
			probs = append(probs, fmt.Sprintf("%s.workdays: %q is not a date (YYYY-MM-DD)", prefix, d))
		case day.Weekday() != time.Saturday && day.Weekday() != time.Sunday:
			probs = append(probs, fmt.Sprintf("%s.workdays: %s is a %s, already a working day", prefix, d, day.Weekday()))
		case indexOf(r.Holidays, d) >= 0:
			probs = append(probs, fmt.Sprintf("%s.workdays: %s is also a holiday", prefix, d))
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	return nil
}

// maxCalendarDays bounds Holidays and Workdays: decades of notices.
const maxCalendarDays = 2000

// WorkingDay reports whether day (its date; the zone is the caller's) is a
// working day: Monday to Friday unless it is one of the Holidays, or a
// Saturday or Sunday that is one of the Workdays.
func (r MeetingRules) WorkingDay(day time.Time) bool {
	d := day.Format(DateLayout)
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return indexOf(r.Workdays, d) >= 0
	}
	return indexOf(r.Holidays, d) < 0
}

// Frequency returns how often a group of type gt must hold kind.
func (r MeetingRules) Frequency(gt, kind string) Frequency {
	return r.Frequencies[gt][kind]
}

// firstTopicRequired reports whether sessions of groups of type gt need a
// 第一议题.
func (r MeetingRules) firstTopicRequired(gt string) bool {
	return indexOf(r.FirstTopicRequired, gt) >= 0
}

// MeetingRules returns the rules in force.
func (s *Store) MeetingRules() MeetingRules {
	if r := s.meetings.Load(); r != nil {
		return *r
	}
	return DefaultMeetingRules()
}

// SetMeetingRules replaces the rules in force (configuration at start).
func (s *Store) SetMeetingRules(r MeetingRules) { s.meetings.Store(&r) }

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
