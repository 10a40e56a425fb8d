package main

// The walk: every screen of every role's menu, in Chinese, loads without an
// error (a member and a lead on a phone, the admin and HR on a desktop),
// and axe-core finds nothing serious or critical on it.

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

//go:embed testdata/axe/axe.min.js
var axeSource string

// walkStop is one screen of the walk with what axe found on it.
type walkStop struct {
	Role, View, Path string
	Violations       []string // "rule (impact): N nodes"
}

// browserWalkEveryScreen visits every menu entry of a member and a lead (on
// a phone) and of the admin and HR (on a desktop), plus the paths no menu
// names; each path once, by the first of them whose menu has it.
// STUDYROLL_A11Y_REPORT=file writes the per-screen findings as JSON.
func browserWalkEveryScreen(t *testing.T, s *browserSuite) {
	st := s.m.Store
	if a, err := st.MemberByUsername("admin"); err == nil {
		pw := browserPassword
		if _, err := st.UpdateMember(store.WithActor(context.Background(), a.ID), a.ID, store.MemberPatch{Password: &pw}); err != nil {
			t.Fatal(err)
		}
	}
	extra := map[string][]string{
		"m1":    {"/app", "/app/my-reports", "/checkin/" + s.org.sessB.ID},
		"lead1": {"/app/sessions/" + s.org.sessA.ID, "/app/sessions/new"},
	}
	var stops []walkStop
	checked := map[string]bool{} // each path once, by the first role whose menu has it
	for _, w := range []struct {
		user string
		view viewport
	}{
		{"admin", desktop}, {"m1", phone}, {"lead1", phone}, {"hr", desktop},
	} {
		name := w.user + "-phone"
		if !w.view.mobile {
			name = w.user + "-desktop"
		}
		tb := s.newTab(t, "walk-"+name, w.view)
		tb.do(chromedp.Navigate(s.base + "/app/home"))
		tb.login(w.user)
		var paths []string
		tb.evalJSON(`[...document.querySelectorAll('#main-nav a[data-nav]')].map((a) => a.getAttribute('data-nav'))`, &paths)
		paths = append(paths, extra[w.user]...)
		for _, p := range paths {
			if checked[p] {
				continue // another role's walk was there
			}
			tb.do(chromedp.Navigate(s.base + p))
			tb.waitJS("the screen "+p, `(() => { const m = document.querySelector('#main');
				return m && !m.querySelector('.loading') && !!m.querySelector('h1') && !m.textContent.includes('`+s.text("zh", "common.loading")+`'); })()`)
			if e := tb.eval(`[...document.querySelectorAll('#page-error, #main .status-error')].map((e) => e.textContent.trim()).filter(Boolean).join(' | ')`); e != "" {
				tb.errorf("%s shows an error: %s", p, e)
			}
			checked[p] = true
			stop := walkStop{Role: w.user, View: name, Path: p, Violations: tb.axe()}
			for _, v := range stop.Violations {
				if strings.Contains(v, "(serious)") || strings.Contains(v, "(critical)") {
					tb.errorf("%s: axe: %s", p, v)
				}
			}
			// Lighthouse also scores axe's heading-order (a best practice,
			// outside the WCAG tags above): no heading may skip a level.
			if j := tb.eval(`(() => { let prev = 0; const out = [];
				for (const e of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
					if (!e.getClientRects().length) continue;
					const l = Number(e.tagName[1]);
					if (prev && l > prev + 1) out.push(e.tagName + ' ' + e.textContent.trim() + ' after h' + prev);
					prev = l;
				}
				return out.join(' | '); })()`); j != "" {
				tb.errorf("%s: heading skips a level: %s", p, j)
			}
			stops = append(stops, stop)
		}
	}
	sort.Slice(stops, func(i, j int) bool { return stops[i].Path+stops[i].View < stops[j].Path+stops[j].View })
	clean := 0
	for _, st := range stops {
		if len(st.Violations) == 0 {
			clean++
		}
	}
	t.Logf("walked %d screens; axe found nothing on %d", len(stops), clean)
	if out := os.Getenv("STUDYROLL_A11Y_REPORT"); out != "" {
		b, _ := json.MarshalIndent(stops, "", "  ")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Error(err)
		}
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
