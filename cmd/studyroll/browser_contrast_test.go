package main

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// assertTextContrast checks every visible text in #main against WCAG 2.x
// 1.4.3 (AA): a contrast ratio of at least 4.5:1, or 3:1 for large text
// (24 px, or 18.66 px bold), with the background the nearest ancestor that
// paints one (page white when none); disabled controls are exempt. It also
// checks 2.4.3 (focus order): no positive tabindex in #main, so the focus
// follows the page's order.
func (tb *tab) assertTextContrast() {
	tb.t.Helper()
	if bad := tb.contrastProblems(); bad != "" {
		tb.errorf("text below WCAG AA contrast, or a positive tabindex:\n%s", bad)
	}
}

// contrastProblems lists what assertTextContrast fails on, one a line.
func (tb *tab) contrastProblems() string {
	return tb.eval(`(() => {
		const rgb = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c); if (!m) return null;
			const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
		const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
			return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
		const bgOf = (e) => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; }
			return {r: 255, g: 255, b: 255, a: 1}; };
		const out = [];
		for (const e of document.querySelectorAll('#main *')) {
			if (![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
			if (!e.checkVisibility() || e.closest('[disabled], .sr-only')) continue;
			const cs = getComputedStyle(e);
			const fg = rgb(cs.color), bg = bgOf(e);
			const l1 = lum(fg), l2 = lum(bg);
			const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
			const px = parseFloat(cs.fontSize), large = px >= 24 || (px >= 18.66 && Number(cs.fontWeight) >= 700);
			if (ratio < (large ? 3 : 4.5)) out.push(ratio.toFixed(2) + ' ' + cs.color + ' on ' + JSON.stringify(bg) + ': ' + e.textContent.trim().slice(0, 40));
		}
		for (const e of document.querySelectorAll('#main [tabindex]')) if (e.tabIndex > 0) out.push('tabindex ' + e.tabIndex + ': ' + e.outerHTML.slice(0, 80));
		return out.join('\n');
	})()`)
}

// assertContrastCheckBites: the check finds light grey text on white and a
// positive tabindex (a test of the test), then removes them.
func (tb *tab) assertContrastCheckBites() {
	tb.t.Helper()
	tb.eval(`(() => { const s = document.createElement('span'); s.id = 'contrast-probe'; s.textContent = '浅灰文字';
		s.style.color = '#bbbbbb'; s.style.background = '#ffffff'; s.tabIndex = 2; document.querySelector('#main').append(s); return ''; })()`)
	got := tb.contrastProblems()
	tb.eval(`(document.querySelector('#contrast-probe').remove(), '')`)
	if !strings.Contains(got, "浅灰文字") || !strings.Contains(got, "tabindex 2") {
		tb.errorf("the contrast check missed the probe: %q", got)
	}
}

// assertFitsPhone switches the tab to the phone's viewport and checks that
// the page needs no sideways scrolling (wide tables scroll inside their own
// focusable wrapper).
func (tb *tab) assertFitsPhone() {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(phone.w, phone.h, chromedp.EmulateMobile, chromedp.EmulateScale(phone.scale)))
	// A phone widens its layout viewport to fit what sticks out: innerWidth
	// must stay the phone's.
	tb.waitJS("the page within the phone's width", fmt.Sprintf(`document.documentElement.scrollWidth <= innerWidth && innerWidth === %d`, phone.w))
}
