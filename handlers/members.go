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
		} else if !t.Covers(caller.GroupID, root) {
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

// canSeeMember applies the read scope of each role to one member's records.
func (h *Handler) canSeeMember(caller, m *store.Member) error {
	switch {
	case caller.Role.ReadsAll(), caller.Role == store.RoleSecAdmin: // secadmin: accounts only
		return nil
	case caller.Role == store.RoleLead:
		if caller.ID == m.ID {
			return nil
		}
		t, err := h.store.Tree()
		if err != nil {
			return err
		}
		if m.GroupID != "" && t.Covers(caller.GroupID, m.GroupID) {
			return nil
		}
	default:
		if caller.ID == m.ID {
			return nil
		}
	}
	return store.Forbidden("not allowed to see member %s", m.ID)
}

// leadsGroup reports whether caller may manage things targeting group g:
// admins anything, leads their group's subtree.
func (h *Handler) leadsGroup(caller *store.Member, g string) error {
	if caller.Role == store.RoleAdmin {
		return nil
	}
	if caller.Role == store.RoleLead && caller.GroupID != "" {
		t, err := h.store.Tree()
		if err != nil {
			return err
		}
		if t.Covers(caller.GroupID, g) {
			return nil
		}
	}
	return store.Forbidden("only a lead of this group or above, or an admin, may do this")
}

// leadsTarget checks the group a new plan, session or exam targets: it
// must exist (else 422 on group_id) and the caller must lead it or be an
// admin (else 403).
func (h *Handler) leadsTarget(caller *store.Member, groupID string) error {
	if _, err := h.store.Group(groupID); store.IsKind(err, store.KindNotFound) {
		return badParam("group_id", "no such group")
	} else if err != nil {
		return err
	}
	return h.leadsGroup(caller, groupID)
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
