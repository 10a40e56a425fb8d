package forms

import (
	"fmt"
	"strings"
	"time"
)

// Options are the settings shared by every renderer.
type Options struct {
	// Font is a TrueType font (glyf outlines) used for all text. Nil means the
	// embedded WenQuanYi Micro Hei (assets.Font), with a fast cached subset.
	// The slice is only read: each document works on its own copy.
	Font []byte
	// Lang is "zh" (default, also for "" and "zh-*") or "en" ("en-*").
	Lang string
	// GeneratedAt is printed in every page footer; zero means time.Now().
	GeneratedAt time.Time
	// DataHash identifies the data the form was built from (e.g. a SHA-256 in
	// hex); printed in every page footer when not empty.
	DataHash string
	// Revision is the locked period's revision the figures come from; above
	// 1 every page prints 第N版 and RevisionReason (why the period was
	// unlocked).
	Revision       int
	RevisionReason string
	// AuditHead is the audit chain head the data was read at; printed
	// (shortened) in every page footer when not empty.
	AuditHead string
	// Provisional marks figures to date of a period that has not ended:
	// every page prints 暂评 (provisional) with AsOf.
	Provisional bool
	AsOf        time.Time
	// Location, when set, is the time zone every time is shown in (the
	// server's zone, Asia/Shanghai by default in studyroll). Nil shows each
	// time in its own location.
	Location *time.Location
}

func normLang(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return "en"
	}
	return "zh"
}

func checkLang(lang string) error {
	l := strings.ToLower(strings.TrimSpace(lang))
	switch {
	case l == "", l == "zh", l == "en",
		strings.HasPrefix(l, "zh-"), strings.HasPrefix(l, "zh_"),
		strings.HasPrefix(l, "en-"), strings.HasPrefix(l, "en_"):
		return nil
	}
	return fmt.Errorf("forms: unsupported language %q (want zh or en)", lang)
}
