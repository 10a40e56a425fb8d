package main

// headingSkips lists the visible headings that skip a level (an h3 right
// under an h1), as "H3 text after h1" joined by " | "; "" when none does.
// Lighthouse scores this (axe's heading-order, a best practice outside the
// WCAG tags the walk runs), so the screens keep it at 100.
func (tb *tab) headingSkips() string {
	tb.t.Helper()
	return tb.eval(`(() => { let prev = 0; const out = [];
		for (const e of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
			if (!e.getClientRects().length) continue;
			const l = Number(e.tagName[1]);
			if (prev && l > prev + 1) out.push(e.tagName + ' ' + e.textContent.trim() + ' after h' + prev);
			prev = l;
		}
		return out.join(' | '); })()`)
}
