package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// handleAudit handles GET /audit?from=&to= (RFC 3339 instants or dates).
func (h *Handler) handleAudit(c echo.Context) error {
	var f store.AuditFilter
	var err error
	if f.From, err = parseInstant(c.QueryParam("from"), h.store.Location()); err != nil {
		return badParam("from", err.Error())
	}
	if f.To, err = parseInstant(c.QueryParam("to"), h.store.Location()); err != nil {
		return badParam("to", err.Error())
	}
	if store.ValidDate(c.QueryParam("to")) {
		f.To = f.To.AddDate(0, 0, 1) // a date includes its whole day, as in GET /sessions
	}
	f.Entity = c.QueryParam("entity")
	f.EntityID = c.QueryParam("entity_id")
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditPage {
			return badParam("limit", fmt.Sprintf("a number from 1 to %d", maxAuditPage))
		}
		f.Limit = n
	}
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return badParam("before", "an entry's seq")
		}
		f.Before = n
	}
	var keep func(*store.AuditEntry) bool
	if h.store.Profile() == store.ProfileLevel3 && me(c).Role != store.RoleAuditor {
		if keep, err = h.store.NotSecurityEvent(); err != nil {
			return err
		}
	}
	return h.streamAudit(c, f, keep)
}

// streamAudit writes the page {"items": [...], "next_before"?} entry by
// entry as the store reads them (store.AuditEach, a chunk per read
// transaction), so a page of 5000 large entries is never held in memory
// whole. next_before, the seq to ask ?before= for the next page, comes
// when the page is full and older entries may exist. An error after the
// first byte can no longer change the status: it is logged and the
// answer cut short (invalid JSON, which a client notices).
func (h *Handler) streamAudit(c echo.Context, f store.AuditFilter, keep func(*store.AuditEntry) bool) error {
	lim := f.Limit
	if lim == 0 {
		lim = 1000 // the store's default page
	}
	w := c.Response()
	n, last := 0, uint64(0)
	err := h.store.AuditEach(f, keep, func(e *store.AuditEntry) error {
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if n == 0 {
			w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
			w.WriteHeader(http.StatusOK)
			data = append([]byte(`{"items":[`), data...)
		} else {
			data = append([]byte{','}, data...)
		}
		n, last = n+1, e.Seq
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		if n == 0 {
			return err
		}
		h.log.Error("GET /audit cut short mid-stream", "err", err)
		return nil
	}
	if n == 0 {
		return c.JSON(http.StatusOK, map[string]any{"items": []store.AuditEntry{}})
	}
	tail := "]"
	if n == lim && last > 1 {
		tail += `,"next_before":` + strconv.FormatUint(last, 10)
	}
	_, err = w.Write([]byte(tail + "}\n"))
	return err
}

// maxAuditPage bounds GET /audit?limit=.
const maxAuditPage = 5000

// handleAuditVerify handles GET /audit/verify: the whole chain checked with
// its key now, {ok, entries, head, checked_at, first_bad?, problem?}.
func (h *Handler) handleAuditVerify(c echo.Context) error {
	return c.JSON(http.StatusOK, h.store.CheckAudit())
}

// parseInstant reads an RFC 3339 instant or a date (its midnight in loc);
// empty gives the zero time.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(store.DateLayout, s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want an RFC 3339 time or a date YYYY-MM-DD")
}

// handleBackup handles GET /backup: a consistent copy of the store.
func (h *Handler) handleBackup(c echo.Context) error {
	name := fmt.Sprintf("studyroll-%s.db", h.store.Now().In(h.store.Location()).Format("20060102-150405"))
	c.Response().Header().Set(echo.HeaderContentType, "application/octet-stream")
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Response().WriteHeader(http.StatusOK)
	if _, err := h.store.WriteTo(c.Response()); err != nil {
		h.log.Error("backup failed mid-stream", "err", err)
	}
	return nil
}
