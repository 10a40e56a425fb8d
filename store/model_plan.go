package store

import "time"

// Plan is a group's study plan (学习计划) for a period: content items to be
// studied at sessions or, with a due date, as self-study.
type Plan struct {
	ID        string        `json:"id"`
	GroupID   string        `json:"group_id"`
	Period    string        `json:"period"`
	Title     string        `json:"title"`
	Items     []ContentItem `json:"items"`
	CreatedAt time.Time     `json:"created_at"`
	CreatedBy string        `json:"created_by"`
}

// ContentItem is one thing to study (学习内容). An item with DueOn is
// self-study, due on that date; without, it is studied at sessions.
type ContentItem struct {
	ID     string `json:"id"`
	PlanID string `json:"plan_id"`
	Title  string `json:"title"`
	DueOn  string `json:"due_on,omitempty"`
}
