package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// handleCreateMember handles POST /members.
func (h *Handler) handleCreateMember(c echo.Context) error {
	var in store.MemberInput
	if err := decode(c, &in); err != nil {
		return err
	}
	m, err := h.store.CreateMember(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

// handleListMembers handles GET /members?group_id=: a lead sees the members
// of their group's subtree, hr and admin everyone. With group_id, the
// members of that group's subtree.
func (h *Handler) handleListMembers(c echo.Context) error {
	caller := me(c)
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	root := c.QueryParam("group_id")
	if root != "" {
		if _, ok := t.Group(root); !ok {
			return store.NotFound("group", root)
		}
	}
	if caller.Role == store.RoleLead {
		if root == "" {
			root = caller.GroupID
		} else if !store.ManagesGroup(t, caller, root) {
			return store.Forbidden("a lead sees only their own group's subtree")
		}
	}
	var groups []string
	if root != "" {
		groups = t.Subtree(root)
	}
	ms, err := h.store.Members(groups...)
	if err != nil {
		return err
	}
	if root != "" && len(groups) == 0 {
		ms = nil
	}
	store.SortMembers(t, ms) // the one order (docs/ORDER.md)
	return c.JSON(http.StatusOK, list(ms))
}

// handleGetMember handles GET /members/:id: members see themselves, leads
// their subtree, hr and admin everyone.
func (h *Handler) handleGetMember(c echo.Context) error {
	m, err := h.store.Member(c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.canSeeMember(me(c), m); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// canSeeMember is the scope rule store.SeesMember as an error (403).
func (h *Handler) canSeeMember(caller, m *store.Member) error {
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	if !store.SeesMember(t, caller, m) {
		return store.Forbidden("not allowed to see member %s", m.ID)
	}
	return nil
}

// leadsGroup is the scope rule store.ManagesGroup as an error (403), for
// the reads only a manager of group g may make (a session's code, its
// sign-in sheet); writes check it in their own transaction.
func (h *Handler) leadsGroup(caller *store.Member, g string) error {
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	if !store.ManagesGroup(t, caller, g) {
		return store.Forbidden("only a lead of this group or above, or an admin, may do this")
	}
	return nil
}

// handlePatchMember handles PATCH /members/:id.
func (h *Handler) handlePatchMember(c echo.Context) error {
	var p store.MemberPatch
	if err := decode(c, &p); err != nil {
		return err
	}
	if caller := me(c); caller.ID == c.Param("id") && (p.Role != nil || len(p.Roles) > 0) && caller.Role != store.RoleAdmin {
		return store.Errorf(store.KindForbidden, "own_record", "an administrator does not change their own role: another one does")
	}
	m, err := h.store.UpdateMember(c.Request().Context(), c.Param("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// handleImportMembers handles POST /members/import (text/csv).
func (h *Handler) handleImportMembers(c echo.Context) error {
	body, mt, charset, ok, err := readTableUpload(c)
	if !ok {
		return store.Errorf(store.KindMalformed, "malformed", "send the roster as text/csv (UTF-8 or GBK) or %s", store.ContentTypeXLSX)
	}
	if err != nil {
		return err
	}
	res, err := h.store.ImportRosterFile(c.Request().Context(), body, mt, charset)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
