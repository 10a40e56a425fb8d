package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// The raw inputs of the rates that are not otherwise listed: a member's
// dated memberships and the done marks of a plan's self-study items. With
// the sessions, attendance, plans, exams and scores they let an auditor
// recompute every figure (docs/RATES.md#recompute-it-yourself).

// handleMemberHistory handles GET /members/:id/history (lead over, hr,
// admin): the member's dated memberships, oldest first. A lead sees the
// history of a member who is or was in their group's subtree.
func (h *Handler) handleMemberHistory(c echo.Context) error {
	m, err := h.store.Member(c.Param("id"))
	if err != nil {
		return err
	}
	hist, err := h.store.MemberHistory(m.ID)
	if err != nil {
		return err
	}
	if caller := me(c); caller.Role == store.RoleLead {
		t, err := h.store.Tree()
		if err != nil {
			return err
		}
		over := false
		for _, ms := range hist {
			over = over || (caller.GroupID != "" && ms.GroupID != "" && t.Covers(caller.GroupID, ms.GroupID))
		}
		if !over {
			return store.Forbidden("a lead sees the history of members who are or were in their group's subtree")
		}
	}
	return c.JSON(http.StatusOK, list(hist))
}

// handlePlanDone handles GET /plans/:id/done (lead over, hr, admin): who
// marked which self-study item done, when. A lead over the plan's group
// sees every mark; a lead of a group the plan reaches, the marks of their
// subtree's members.
func (h *Handler) handlePlanDone(c echo.Context) error {
	p, marks, err := h.store.PlanDone(c.Param("id"))
	if err != nil {
		return err
	}
	caller := me(c)
	if caller.Role == store.RoleLead {
		t, err := h.store.Tree()
		if err != nil {
			return err
		}
		switch {
		case caller.GroupID == "":
			return store.Forbidden("a lead without a group leads no subtree")
		case t.Covers(caller.GroupID, p.GroupID):
		case t.Covers(p.GroupID, caller.GroupID):
			ms, err := h.store.Members()
			if err != nil {
				return err
			}
			group := make(map[string]string, len(ms))
			for _, m := range ms {
				group[m.ID] = m.GroupID
			}
			kept := marks[:0]
			for _, d := range marks {
				if g := group[d.MemberID]; g != "" && t.Covers(caller.GroupID, g) {
					kept = append(kept, d)
				}
			}
			marks = kept
		default:
			return store.Forbidden("this plan does not reach your group")
		}
	}
	return c.JSON(http.StatusOK, list(marks))
}
