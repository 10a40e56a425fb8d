package store

import "time"

// Session is a scheduled study meeting (集中学习) or another kind of
// meeting (三会一课, see meeting.go). It targets a group and so its whole
// subtree (the audience).
type Session struct {
	ID          string     `json:"id"`
	GroupID     string     `json:"group_id"`
	Kind        string     `json:"kind"`
	FirstTopic  string     `json:"first_topic,omitempty"` // 第一议题
	Title       string     `json:"title"`
	StartsAt    time.Time  `json:"starts_at"`
	EndsAt      time.Time  `json:"ends_at"`
	Place       string     `json:"place,omitempty"`
	ItemIDs     []string   `json:"item_ids"`
	LeadID      string     `json:"lead_id,omitempty"`
	LeadSource  string     `json:"lead_source,omitempty"` // "rotation" or "manual"
	Cancelled   bool       `json:"cancelled"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
}
