package main

// Browser scenarios of the administrator.

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

// browserAdminAPIDoc: the admin's data screen says where the OpenAPI
// document is, as a full address an integrator can copy.
func browserAdminAPIDoc(t *testing.T, s *browserSuite) {
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
	adm.do(chromedp.Navigate(s.base + "/app/data"))
	adm.login("admin")
	adm.waitJS("the API card", `!!document.querySelector('#openapi-link')`)
	adm.assertText("#openapi-link", s.base+"/api/v1/openapi.json")
	if href := adm.eval(`document.querySelector('#openapi-link').href`); href != s.base+"/api/v1/openapi.json" {
		adm.errorf("the link goes to %q", href)
	}
	if body := adm.eval(`document.querySelector('main')?.textContent || ''`); !strings.Contains(body, s.text("zh", "openapi.title")) {
		adm.errorf("no %q card on the data screen", s.text("zh", "openapi.title"))
	}
}
