package main

// Checks of the in-page confirmation dialog (assets/web/js/confirm.js) that
// every destructive step asks through; the scenarios that lock, cancel,
// remove, delete or close use them.

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// confirmView is what the open dialog shows.
type confirmView struct {
	Open     bool   `json:"open"`
	Modal    bool   `json:"modal"`
	Title    string `json:"title"`    // the text of the element aria-labelledby names
	Body     string `json:"body"`     // of aria-describedby's
	Go       string `json:"go"`       // the button that does it
	Keep     string `json:"keep"`     // the safe button
	Focus    string `json:"focus"`    // the focused element's id
	Note     bool   `json:"note"`     // a note to write
	Dialogs  int    `json:"dialogs"`  // how many are open
	Language string `json:"language"` // <html lang>
}

// assertConfirm waits for the dialog and checks it: one modal dialog,
// labelled by title, described by body (when not ""), its button named
// goLabel, the focus on the safe button (on the note when it asks one).
func (tb *tab) assertConfirm(title, body, goLabel string) confirmView {
	tb.t.Helper()
	tb.waitJS("the confirmation dialog", `document.querySelector('#confirm-dialog')?.open === true`)
	var v confirmView
	tb.evalJSON(`(() => { const d = document.querySelector('#confirm-dialog');
		const by = (a) => document.getElementById(d.getAttribute(a) || '')?.textContent.trim() || '';
		return {open: d.open, modal: d.matches(':modal'), title: by('aria-labelledby'), body: by('aria-describedby'),
			go: d.querySelector('#confirm-go').textContent.trim(), keep: d.querySelector('#confirm-keep').textContent.trim(),
			focus: document.activeElement?.id || '', note: !!d.querySelector('#confirm-note'),
			dialogs: document.querySelectorAll('dialog[open]').length, language: document.documentElement.lang}; })()`, &v)
	wantFocus := "confirm-keep"
	if v.Note {
		wantFocus = "confirm-note"
	}
	if !v.Modal || v.Dialogs != 1 || v.Title != title || (body != "" && v.Body != body) || v.Go != goLabel || v.Focus != wantFocus {
		tb.errorf("the dialog shows %+v, want a modal labelled %q, described by %q, its button %q, the focus on #%s",
			v, title, body, goLabel, wantFocus)
	}
	return v
}

// answerConfirm answers the open dialog: "keep" clicks the safe button,
// "escape" presses Escape, "go" clicks the button that does it. The
// dialog must then be gone and the focus back on opener (a CSS selector;
// "" when the page is drawn again).
func (tb *tab) answerConfirm(how, opener string) {
	tb.t.Helper()
	switch how {
	case "keep":
		tb.do(chromedp.Click(chromedp.CSS("#confirm-keep")))
	case "escape":
		tb.do(chromedp.KeyEvent(kb.Escape))
	case "go":
		tb.do(chromedp.Click(chromedp.CSS("#confirm-go")))
	default:
		panic("answerConfirm: " + how)
	}
	tb.waitJS("the dialog closed ("+how+")", `!document.querySelector('#confirm-dialog')`)
	if opener != "" {
		if got := tb.eval(fmt.Sprintf(`String(document.activeElement === document.querySelector(%q))`, opener)); got != "true" {
			tb.errorf("after %s the focus is on %s, want back on %s", how, tb.eval(`document.activeElement?.outerHTML.slice(0, 120) || ''`), opener)
		}
	}
}

// fill fills a period, a name, … into s.text's {placeholders}.
func fill(text string, vars map[string]string) string {
	for k, v := range vars {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	return text
}
