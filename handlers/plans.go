package handlers

import (
	"time"

	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// seesGroup is the scope rule store.ReadsGroup: what targets group g.
func seesGroup(t *store.Tree, caller *store.Member, g string) bool {
	return store.ReadsGroup(t, caller, g)
}

// handleCreatePlan handles POST /plans: a lead of the plan's group or above,
// or an admin (the store checks, in the write's transaction).
func (h *Handler) handleCreatePlan(c echo.Context) error {
	var in store.PlanInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := h.store.CreatePlan(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

// handleListPlans handles GET /plans?group_id=&period=: the plans the caller
// may see; group_id keeps the plans that reach that group (its own and its
// ancestors'), period those overlapping it.
func (h *Handler) handleListPlans(c echo.Context) error {
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	var f store.PlanFilter
	if g := c.QueryParam("group_id"); g != "" {
		if _, ok := t.Group(g); !ok {
			return store.NotFound("group", g)
		}
		f.GroupIDs = t.Ancestors(g)
	}
	if p := c.QueryParam("period"); p != "" {
		if _, err := store.ParsePeriod(p, h.store.Location()); err != nil {
			return badParam("period", "a year like 2023 or a quarter like 2023Q3")
		}
		f.Period = p
	}
	ps, err := h.store.Plans(f)
	if err != nil {
		return err
	}
	caller := me(c)
	done, err := h.store.ItemsDone(caller.ID)
	if err != nil {
		return err
	}
	out := make([]planView, 0, len(ps))
	for _, p := range ps {
		if seesGroup(t, caller, p.GroupID) {
			out = append(out, viewPlan(p, done))
		}
	}
	return c.JSON(http.StatusOK, list(out))
}

// planView is a plan as its reader sees it: each self-study item says when
// the caller marked it done.
type planView struct {
	store.Plan
	Items []itemView `json:"items"`
}

type itemView struct {
	store.ContentItem
	DoneAt *time.Time `json:"done_at,omitempty"`
}

func viewPlan(p store.Plan, done map[string]time.Time) planView {
	v := planView{Plan: p, Items: make([]itemView, len(p.Items))}
	for i, it := range p.Items {
		v.Items[i] = itemView{ContentItem: it}
		if at, ok := done[it.ID]; ok {
			v.Items[i].DoneAt = &at
		}
	}
	return v
}

// handleGetPlan handles GET /plans/:id.
func (h *Handler) handleGetPlan(c echo.Context) error {
	p, err := h.store.Plan(c.Param("id"))
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	if !seesGroup(t, me(c), p.GroupID) {
		return store.Forbidden("this plan is not for your group")
	}
	done, err := h.store.ItemsDone(me(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewPlan(*p, done))
}

// handleItemDone handles POST /plans/:id/items/:item_id/done: the caller
// marks a self-study item of a plan for their group done. Idempotent.
func (h *Handler) handleItemDone(c echo.Context) error {
	d, err := h.store.MarkItemDone(c.Request().Context(), me(c).ID, c.Param("id"), c.Param("item_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// handleEditPlan handles PATCH /plans/:id: a lead of the plan's group or
// above, or an admin, changes its title and items (the store checks scope,
// locks and the items' records in the write's transaction).
func (h *Handler) handleEditPlan(c echo.Context) error {
	var in store.PlanPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := h.store.EditPlan(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	done, err := h.store.ItemsDone(me(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewPlan(*p, done))
}
