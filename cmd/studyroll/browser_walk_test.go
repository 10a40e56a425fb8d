package main

// The walk: every screen of the app, in Chinese, on a phone and on a
// desktop, loads its heading and content without an error, fits the width
// and passes axe-core.

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

//go:embed testdata/axe/axe.min.js
var axeSource string

// walkStop is one screen of the walk at one viewport with what axe found
// on it.
type walkStop struct {
	Role, View, Path string
	Violations       []string // "rule (impact): N nodes"
	// Load is the time from the click on its link to the screen being drawn, Axe the
	// time axe-core took on it, in milliseconds.
	Load, Axe int64
}

// browserWalkEveryScreen visits every screen of the app's router in
// Chinese, on a phone (360×740) and on a desktop (1366×900): each path
// once, by the first of a member, a lead, HR, an inspector and the admin
// whose menu (or list of screens no menu names) has it, so a screen is seen
// by the role that mostly uses it. One tab per user walks its screens on the
// phone, then switches the same tab to the desktop and walks them again
// (each screen drawn afresh at each width, as a click on a link draws it:
// some lay out in JavaScript).
// On each stop: the main heading in Chinese and some content, no error
// banner, nothing written to the console as an error, no sideways
// scrolling of the page (a phone widens its layout viewport to fit what
// sticks out, so the page must also be laid out at the viewport's width),
// no heading skipping a level, and axe-core's WCAG A/AA rules with nothing
// serious or critical (at both widths: tables stack and wide blocks scroll
// only on a phone; axe loads once per tab, so the second run costs about
// 0.4–0.9 s a screen). TestBrowser's own check that every routed screen was
// visited is repeated here, so the walk alone covers them all.
// STUDYROLL_A11Y_REPORT=file writes the per-stop findings as JSON.
func browserWalkEveryScreen(t *testing.T, s *browserSuite) {
	st, o := s.m.Store, s.org
	if a, err := st.MemberByUsername("admin"); err == nil {
		pw := browserPassword
		if _, err := st.UpdateMember(store.WithActor(context.Background(), a.ID), a.ID, store.MemberPatch{Password: &pw}); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := st.MemberByUsername("insp"); err != nil || m == nil {
		inspectionFixture(t, s)
	}
	inspections, err := st.Inspections(nil)
	if err != nil || len(inspections) == 0 {
		t.Fatalf("inspections: %v %v", inspections, err)
	}
	qns, err := st.Questionnaires(o.m1)
	if err != nil {
		t.Fatal(err)
	}
	if len(qns) == 0 {
		q, err := st.CreateQuestionnaire(store.WithActor(context.Background(), o.hr.ID), store.QuestionnaireInput{
			Title: "学习形式意见征集", AudienceGroupIDs: []string{o.root.ID},
			Questions: []store.QnQuestion{{Kind: store.QnSingle, Text: "您更喜欢哪种学习形式？", Options: []string{"专题辅导", "研讨交流"}}}})
		if err != nil {
			t.Fatal(err)
		}
		qns = []store.QuestionnaireView{{Questionnaire: *q}}
	}
	walkers := []struct {
		user  string
		extra []string // screens no menu entry names
	}{
		{"m1", []string{"/app", "/app/my-reports", "/app/security", "/checkin/" + o.sessB.ID, "/app/questionnaires/" + qns[0].ID}},
		{"lead1", []string{"/app/sessions/" + o.sessA.ID, "/app/sessions/new", "/app/sessions/" + o.sessA.ID + "/live"}},
		{"hr", nil},
		{"insp", []string{"/app/inspections/" + inspections[0].ID}},
		{"admin", nil},
	}
	var stops []walkStop
	walked := map[string]bool{} // each path by the first walker that has it
	for _, w := range walkers {
		tb := s.newTab(t, "walk-"+w.user, phone)
		tb.do(chromedp.Navigate(s.base + "/app/home"))
		tb.login(w.user)
		var menu []string
		tb.evalJSON(`[...document.querySelectorAll('#main-nav a[data-nav]')].map((a) => a.getAttribute('data-nav'))`, &menu)
		var paths []string
		for _, p := range append(menu, w.extra...) {
			if !walked[p] {
				walked[p] = true
				paths = append(paths, p)
			}
		}
		t.Logf("%s walks %v", w.user, paths)
		for _, v := range []viewport{phone, desktop} {
			tb.setViewport(v)
			for _, p := range paths {
				stops = append(stops, tb.walkStop(w.user, p))
			}
		}
		if errs := tb.newConsoleErrors(); len(errs) > 0 {
			tb.errorf("console errors after the last screen: %s", strings.Join(errs, " | "))
		}
		if w.user == walkers[len(walkers)-1].user {
			tb.assertWalkChecksBite()
		}
	}
	sort.Slice(stops, func(i, j int) bool { return stops[i].Path+stops[i].View < stops[j].Path+stops[j].View })
	clean := 0
	var load, axe int64
	for _, st := range stops {
		if len(st.Violations) == 0 {
			clean++
		}
		load, axe = load+st.Load, axe+st.Axe
	}
	t.Logf("walked %d screens at 2 viewports (%d stops); axe found nothing on %d; drawing took %.1f s, axe %.1f s",
		len(walked), len(stops), clean, float64(load)/1000, float64(axe)/1000)
	for _, re := range appRoutes(t) {
		seen := false
		for p := range walked {
			seen = seen || re.MatchString(p)
		}
		if !seen {
			t.Errorf("the walk never visits the screen %s", re)
		}
	}
	if out := os.Getenv("STUDYROLL_A11Y_REPORT"); out != "" {
		b, _ := json.MarshalIndent(stops, "", "  ")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// walkStop opens path as a click on its link does, at the tab's viewport,
// and checks the screen.
func (tb *tab) walkStop(role, path string) walkStop {
	tb.t.Helper()
	name := "phone"
	if !tb.view.mobile {
		name = "desktop"
	}
	where := path + " (" + name + ")"
	begin := time.Now()
	// As a click on a link: the app draws the screen without reloading.
	tb.eval(fmt.Sprintf(`(() => { const a = document.createElement('a'); a.href = %q;
		document.body.append(a); a.click(); a.remove(); return ''; })()`, path))
	tb.waitJS("the screen "+where, `(() => { const m = document.querySelector('#main');
		return m && !m.querySelector('.loading') && !!m.querySelector('h1') && !m.textContent.includes('`+tb.s.text("zh", "common.loading")+`'); })()`)
	load := time.Since(begin)
	for _, p := range tb.screenProblems() {
		tb.errorf("%s: %s", where, p)
	}
	stop := walkStop{Role: role, View: name, Path: path, Load: load.Milliseconds()}
	begin = time.Now()
	stop.Violations = tb.axe()
	stop.Axe = time.Since(begin).Milliseconds()
	for _, v := range stop.Violations {
		if strings.Contains(v, "(serious)") || strings.Contains(v, "(critical)") {
			tb.errorf("%s: axe: %s", where, v)
		}
	}
	if errs := tb.newConsoleErrors(); len(errs) > 0 {
		tb.errorf("%s: console errors: %s", where, strings.Join(errs, " | "))
	}
	return stop
}

// screenProblems lists what is wrong with the screen the tab shows: a main
// heading not in Chinese, nothing under it, the app's "not found", "not
// allowed" or "failed" page, an error banner, the page wider than the
// viewport (naming what sticks out), a heading that skips a level.
func (tb *tab) screenProblems() []string {
	tb.t.Helper()
	var out []string
	var got struct {
		Lang, H1, Errors, Wide, Skips string
		Content, ScrollWidth, Width   int
	}
	tb.evalJSON(`(() => { const m = document.querySelector('#main'), h = m.querySelector('h1');
		const skips = []; let prev = 0;
		for (const e of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
			if (!e.getClientRects().length) continue;
			const l = Number(e.tagName[1]);
			if (prev && l > prev + 1) skips.push(e.tagName + ' ' + e.textContent.trim() + ' after h' + prev);
			prev = l;
		}
		// what sticks out on the right, outside anything that scrolls sideways itself
		const wide = [];
		const W = `+fmt.Sprint(tb.view.w)+`;
		if (document.scrollingElement.scrollWidth > W || innerWidth > W) for (const e of document.querySelectorAll('body *')) {
			const r = e.getBoundingClientRect();
			if (r.right <= W + 0.5 || !e.checkVisibility()) continue;
			let p = e.parentElement, inside = false;
			for (; p; p = p.parentElement) if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(p).overflowX)) { inside = true; break; }
			if (!inside) wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '') + ' right=' + Math.round(r.right));
			if (wide.length >= 5) break;
		}
		return {Lang: document.documentElement.lang, Width: innerWidth, H1: h.textContent.trim(),
			Content: m.textContent.replace(h.textContent, '').trim().length,
			Errors: [...document.querySelectorAll('#page-error, #main .status-error')].filter((e) => e.checkVisibility()).map((e) => e.textContent.trim()).filter(Boolean).join(' | '),
			ScrollWidth: document.scrollingElement.scrollWidth,
			Wide: wide.join(', '), Skips: skips.join(' | ')}; })()`, &got)
	if !strings.HasPrefix(got.Lang, "zh") || !regexp.MustCompile(`\p{Han}`).MatchString(got.H1) {
		out = append(out, fmt.Sprintf("the heading is %q in lang %q, want Chinese", got.H1, got.Lang))
	}
	if got.Content == 0 {
		out = append(out, fmt.Sprintf("nothing under the heading %q", got.H1))
	}
	for _, k := range []string{"err.page_missing", "err.page_forbidden", "err.load_failed"} {
		if got.H1 == tb.s.text("zh", k) {
			out = append(out, fmt.Sprintf("the app says %q", got.H1))
		}
	}
	if got.Errors != "" {
		out = append(out, "an error shows: "+got.Errors)
	}
	if int64(got.Width) != tb.view.w {
		// a phone widens its layout viewport to fit what sticks out
		out = append(out, fmt.Sprintf("the page is laid out %d px wide, want the viewport's %d; sticking out: %s", got.Width, tb.view.w, got.Wide))
	}
	if got.ScrollWidth > got.Width {
		out = append(out, fmt.Sprintf("the page scrolls sideways: %d px wide in a %d px viewport; sticking out: %s", got.ScrollWidth, got.Width, got.Wide))
	}
	// Lighthouse also scores axe's heading-order (a best practice, outside
	// the WCAG tags axe runs here): no heading may skip a level.
	if got.Skips != "" {
		out = append(out, "a heading skips a level: "+got.Skips)
	}
	return out
}

// assertWalkChecksBite: the walk's checks find a page in English, a box
// wider than the viewport and an error on the console put into the screen
// (a test of the test), and nothing once they are gone.
func (tb *tab) assertWalkChecksBite() {
	tb.t.Helper()
	tb.newConsoleErrors()
	tb.eval(`(() => { const d = document.createElement('div'); d.id = 'walk-probe'; d.style.width = (innerWidth + 100) + 'px';
		d.textContent = '探针'; document.querySelector('#main').append(d);
		document.documentElement.lang = 'en'; console.error('walk-probe'); return ''; })()`)
	got := strings.Join(tb.screenProblems(), "\n")
	if !strings.Contains(got, "want Chinese") || !strings.Contains(got, "scrolls sideways") || !strings.Contains(got, "div#walk-probe") {
		tb.errorf("the walk's checks missed the probe: %q", got)
	}
	deadline := time.Now().Add(stepTimeout)
	for errs := tb.newConsoleErrors(); !strings.Contains(strings.Join(errs, " "), "walk-probe"); errs = tb.newConsoleErrors() {
		if time.Now().After(deadline) {
			tb.fatalf("the console error of the probe was never seen")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.eval(`(() => { document.querySelector('#walk-probe').remove(); document.documentElement.lang = 'zh-CN'; return ''; })()`)
	if got := tb.screenProblems(); len(got) > 0 {
		tb.errorf("problems after removing the probe: %q", got)
	}
}

// axe runs axe-core's WCAG 2.0/2.1 A and AA rules on the page, plus
// target-size (WCAG 2.2 2.5.8, which Lighthouse scores), and lists the rules
// it finds broken.
func (tb *tab) axe() []string {
	tb.t.Helper()
	if tb.eval(`String(typeof window.axe)`) == "undefined" {
		ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axeSource+";0")); err != nil {
			tb.fatalf("load axe: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 2*stepTimeout)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, rules: {'target-size': {enabled: true}}, resultTypes: ['violations']})
		.then((r) => r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' nodes, e.g. ' + (v.nodes[0] ? v.nodes[0].target.join(' ') : '')))`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.fatalf("axe: %v", err)
	}
	return out
}
