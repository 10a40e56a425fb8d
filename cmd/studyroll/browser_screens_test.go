package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"studyroll/store"
)

// browserScreensFit: the projector screen shows the whole 6-digit code from
// 1280×720 to 3840×2160 full-screen (in the page from 1920×1080), and
// within a phone's width; the
// phone menu's log-out is readable; the language button's accessible name
// holds its visible text (WCAG 2.5.3); HR's chart exposes its clickable
// rows (not hidden in role=img); scrolling tables take the keyboard focus;
// a signed-out page asks the API nothing that answers 401.
func browserScreensFit(t *testing.T, s *browserSuite) {
	o := s.org
	// Signed out: no request to /api/v1/me (it would answer 401 and log it).
	anon := s.newTab(t, "anonymous", phone)
	anon.do(chromedp.Navigate(s.base + "/app/home"))
	anon.waitJS("the login form", `!!document.querySelector('#login-form')`)
	if n := anon.eval(`String(performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/me')).length)`); n != "0" {
		t.Errorf("the signed-out page asked /api/v1/me %s times", n)
	}
	// The language button's name contains its text.
	if bad := anon.eval(`(() => { const b = document.querySelector('#lang-switch');
		const name = b.getAttribute('aria-label') || b.textContent;
		return name.includes(b.textContent.trim()) ? '' : name + ' / ' + b.textContent; })()`); bad != "" {
		t.Errorf("language button: accessible name and text differ: %s", bad)
	}

	// Phone menu: the log-out button is visible and not white on white.
	anon.login("m1")
	anon.do(chromedp.Click(chromedp.CSS("#nav-toggle")))
	anon.waitJS("the open menu", `document.querySelector('#main-nav')?.classList.contains('open')`)
	var c struct{ Fg, Bg string }
	anon.evalJSON(`(() => { const b = document.querySelector('#nav-logout');
		let e = b, bg = 'rgba(0, 0, 0, 0)';
		while (e && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) { bg = getComputedStyle(e).backgroundColor; e = e.parentElement; }
		return {fg: getComputedStyle(b).color, bg}; })()`, &c)
	if c.Fg == c.Bg || c.Fg == "rgb(255, 255, 255)" {
		t.Errorf("phone menu log-out: text %s on %s", c.Fg, c.Bg)
	}

	// The phone's leave form uses the screen's width (it was 12 characters).
	anon.do(chromedp.Navigate(s.base + "/app/home"))
	leave := fmt.Sprintf(`#session-%s [data-action=leave]`, o.sessB.ID)
	anon.waitJS("the leave button", `!!document.querySelector('`+leave+`')`)
	anon.do(chromedp.Click(chromedp.CSS(leave)))
	anon.waitJS("the leave form", `!!document.querySelector('#leave-reason-`+o.sessB.ID+`')`)
	if w := anon.eval(`String(document.querySelector('#leave-reason-` + o.sessB.ID + `').getBoundingClientRect().width / innerWidth)`); w < "0.7" {
		t.Errorf("the leave reason box is %s of the phone's width", w)
	}

	// HR: the chart's rows are reachable; every scrolling table takes focus.
	hr := s.newTab(t, "hr", desktop)
	hr.do(chromedp.Navigate(s.base + "/app/overview"))
	hr.login("hr")
	hr.waitJS("the chart", `document.querySelectorAll('#rates-chart g[role=button]').length > 0`)
	// One rates request for the group and its subgroups (it was 1 + one per subgroup).
	if n := hr.eval(`String(performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/rates')).length)`); n != "1" {
		t.Errorf("the overview made %s rates requests, want 1", n)
	}
	if r := hr.eval(`document.querySelector('#rates-chart').getAttribute('role')`); r == "img" {
		t.Error("the chart with clickable rows is role=img (its buttons are hidden from assistive technology)")
	}
	hr.waitJS("members' table", fmt.Sprintf(`!!document.querySelector('#rate-member-%s')`, o.m1.ID))
	if bad := hr.eval(`[...document.querySelectorAll('.table-wrap')].filter((w) => w.tabIndex !== 0 || !w.getAttribute('aria-label')).length + ''`); bad != "0" {
		t.Errorf("%s scrolling tables without focus or a name", bad)
	}

	// HR's home lists only HR's own sessions: none of a branch's (their
	// buttons — check in, ask for leave — would fail for someone outside it).
	hr.do(chromedp.Navigate(s.base + "/app/home"))
	hr.waitJS("HR's home", `!!document.querySelector('#home-sessions')`)
	if n := hr.eval(fmt.Sprintf(`String(document.querySelectorAll('#session-%s, #session-%s').length)`, o.sessA.ID, o.sessB.ID)); n != "0" {
		t.Errorf("HR's home lists %s sessions of 第一支部", n)
	}

	// 人员管理: a name search; 组织管理: rename and reorder groups.
	st := s.m.Store
	a, err := st.MemberByUsername("admin")
	if err != nil {
		t.Fatal(err)
	}
	pw := browserPassword
	if _, err := st.UpdateMember(store.WithActor(context.Background(), a.ID), a.ID, store.MemberPatch{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	adm := s.newTab(t, "admin", desktop)
	adm.do(chromedp.Navigate(s.base + "/app/members"))
	adm.login("admin")
	adm.waitJS("the member list", fmt.Sprintf(`!!document.querySelector('#member-%s')`, o.m4.ID))
	adm.do(chromedp.SendKeys(chromedp.CSS("#members-search"), "张三"))
	adm.waitJS("the search result", fmt.Sprintf(`!document.querySelector('#member-%s') && !!document.querySelector('#member-%s')`, o.m4.ID, o.m1.ID))
	adm.do(chromedp.Navigate(s.base + "/app/groups"))
	adm.waitJS("the tree", fmt.Sprintf(`!!document.querySelector('[data-rename="%s"]')`, o.b2.ID))
	adm.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-rename="%s"]`, o.b2.ID))))
	adm.do(chromedp.SetValue(chromedp.CSS("#rename-"+o.b2.ID), "办公室第二党支部（改）"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-%s .inline-rename button[type=submit]`, o.b2.ID))))
	adm.waitJS("the new name", fmt.Sprintf(`(document.querySelector('#group-%s > span')?.textContent || '') === '办公室第二党支部（改）'`, o.b2.ID))
	adm.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-up="%s"]`, o.b2.ID))))
	adm.waitJS("b2 before b1", fmt.Sprintf(`(() => { const a = document.querySelector('#group-%s'), b = document.querySelector('#group-%s');
		return a && b && (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING); })()`, o.b2.ID, o.b1.ID))
	if g, err := st.Group(o.b2.ID); err != nil || g.Name != "办公室第二党支部（改）" || g.Position != 1 {
		t.Errorf("after rename and move up, the store has %+v (%v)", g, err)
	}
	// 数据: a GBK roster (Excel's CSV on Chinese Windows) uploaded as a file
	// imports its names ungarbled.
	gbkCSV, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("name,username,group,password\n欧阳娜娜,oyangnn," + o.b1.Name + ",password1\n"))
	if err != nil {
		t.Fatal(err)
	}
	upload := filepath.Join(t.TempDir(), "名单.csv")
	if err := os.WriteFile(upload, gbkCSV, 0o600); err != nil {
		t.Fatal(err)
	}
	adm.do(chromedp.Navigate(s.base + "/app/data"))
	// A bad line first: its problems read in Chinese, values quoted.
	adm.do(chromedp.SetValue(chromedp.CSS("#import-text"), "name,username,group,role,joined_on\n李四,lisi9,"+o.b1.Name+",boss,2023-13-45\n"),
		chromedp.Click(chromedp.CSS("#import-submit")))
	adm.waitJS("the bad line listed", `!!document.querySelector('#import-error-list li[data-line="2"]')`)
	if line := adm.eval(`document.querySelector('#import-error-list li[data-line="2"]').textContent`); !strings.Contains(line, "“boss”应为") || !strings.Contains(line, "“2023-13-45”不是日期") {
		adm.errorf("the bad line reads %q, want its problems in Chinese", line)
	}
	adm.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{upload}))
	adm.waitJS("the decoded preview", `document.querySelector('#import-text').value.includes('欧阳娜娜')`)
	adm.do(chromedp.Click(chromedp.CSS("#import-submit")))
	adm.waitJS("the import's answer", `/status-(ok|error)/.test(document.querySelector('#import-status')?.className || '')`)
	if cls := adm.eval(`document.querySelector('#import-status').className + ' ' + document.querySelector('#import-status').textContent`); !strings.Contains(cls, "status-ok") {
		t.Errorf("import status: %s", cls)
	}
	if m, err := st.MemberByUsername("oyangnn"); err != nil || m.Name != "欧阳娜娜" {
		t.Errorf("the GBK roster imported %+v (%v)", m, err)
	}

	// put them back for the scenarios after this one
	one, two := 1, 2
	name := o.b2.Name
	ctx := store.WithActor(context.Background(), a.ID)
	if _, err := st.UpdateGroup(ctx, o.b2.ID, store.GroupPatch{Name: &name, Position: &two}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateGroup(ctx, o.b1.ID, store.GroupPatch{Position: &one}); err != nil {
		t.Fatal(err)
	}

	// The live screen at projector sizes, in the page and full-screen.
	lead := s.newTab(t, "lead", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/sessions/" + o.sessB.ID + "/live"))
	lead.login("lead1")
	lead.waitJS("the code digits", `/^\d{6}$/.test(document.querySelector('#code-digits')?.dataset.code || '')`)
	fits := `(() => { const r = document.querySelector('#code-digits').getBoundingClientRect();
		return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })()`
	for _, v := range []viewport{{w: 1280, h: 720, scale: 1}, {w: 1920, h: 1080, scale: 1}, {w: 3840, h: 2160, scale: 1}} {
		lead.do(chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateScale(v.scale)))
		if v.h >= 1080 { // below that the page scrolls; full screen must fit
			lead.waitJS(fmt.Sprintf("the whole code in view at %d×%d", v.w, v.h), `(() => { window.scrollTo(0, 0); return true; })() && `+fits)
		}
		lead.do(chromedp.Click(chromedp.CSS("#fullscreen-button")))
		lead.waitJS("full screen", `!!document.fullscreenElement`)
		lead.waitJS(fmt.Sprintf("the whole code in view full-screen at %d×%d", v.w, v.h), fits)
		lead.eval(`document.exitFullscreen().then(() => '')`)
		lead.waitJS("full screen left", `!document.fullscreenElement`)
	}
	lead.do(chromedp.EmulateViewport(phone.w, phone.h, chromedp.EmulateMobile, chromedp.EmulateScale(phone.scale)))
	lead.waitJS("the code digits within the phone's width", `(() => { const r = document.querySelector('#code-digits').getBoundingClientRect();
		return r.width > 0 && r.left >= 0 && r.right <= innerWidth; })()`)
}
