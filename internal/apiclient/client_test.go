package apiclient_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/handlers"
	"studyroll/internal/apiclient"
	"studyroll/internal/apitest"
	"studyroll/store"
)

// TestGeneratedClientUpToDate: client.gen.go is what the pinned
// oapi-codegen makes of assets/openapi.json today.
func TestGeneratedClientUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs oapi-codegen")
	}
	// The same settings, written elsewhere.
	conf, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "client.gen.go")
	conf = regexp.MustCompile(`(?m)^output: .*$`).ReplaceAll(conf, []byte("output: "+out))
	if err := os.WriteFile(filepath.Join(dir, "conf.yaml"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Abs("../../assets/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", filepath.Join(dir, "conf.yaml"), spec)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("internal/apiclient/client.gen.go is out of date with assets/openapi.json: run go generate ./internal/apiclient")
	}
}

// TestScenario drives a real server over HTTP with the generated client
// only: the admin sets up a branch, its lead and a member; the lead
// schedules a session and shows the code; the member checks in with it;
// after the session the lead reads the branch's rates. Every exchange is
// also checked against the document.
func TestScenario(t *testing.T) {
	start := time.Date(2023, 9, 1, 9, 0, 0, 0, store.DefaultLocation())
	clock := store.NewManualClock(start)
	s, err := store.Open(t.TempDir(), store.Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, _, err := s.Bootstrap(store.WithActor(context.Background(), "system"), "admin-password"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handlers.New(handlers.Config{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	httpClient := &http.Client{Transport: apitest.Transport(nil)}

	anon, err := apiclient.NewClientWithResponses(srv.URL+"/api/v1", apiclient.WithHTTPClient(httpClient))
	if err != nil {
		t.Fatal(err)
	}
	// as logs in and returns a client that sends the token.
	as := func(user, password string) *apiclient.ClientWithResponses {
		t.Helper()
		r, err := anon.LoginWithResponse(ctx, apiclient.LoginJSONRequestBody{Username: user, Password: password})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("login %s: %v %s", user, err, body(r))
		}
		bearer := func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+r.JSON200.Token)
			return nil
		}
		c, err := apiclient.NewClientWithResponses(srv.URL+"/api/v1", apiclient.WithHTTPClient(httpClient), apiclient.WithRequestEditorFn(bearer))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	admin := as("admin", "admin-password")
	g, err := admin.CreateGroupWithResponse(ctx, apiclient.CreateGroupJSONRequestBody{Name: "第一党支部"})
	if err != nil || g.JSON201 == nil {
		t.Fatalf("create group: %v %s", err, body(g))
	}
	branch := g.JSON201.Id
	lead, member := apiclient.MemberInputRoleLead, apiclient.MemberInputRoleMember
	joined := "2023-01-01"
	for _, m := range []apiclient.MemberInput{
		{Name: "李书记", Username: "lead1", Password: "password1", GroupId: &branch, Role: &lead, JoinedOn: &joined},
		{Name: "张三", Username: "m1", Password: "password1", GroupId: &branch, Role: &member, JoinedOn: &joined},
	} {
		if r, err := admin.CreateMemberWithResponse(ctx, m); err != nil || r.JSON201 == nil {
			t.Fatalf("create member %s: %v %s", m.Username, err, body(r))
		}
	}

	leadC := as("lead1", "password1")
	sess, err := leadC.CreateSessionWithResponse(ctx, apiclient.CreateSessionJSONRequestBody{
		GroupId: branch, Title: "集中学习：党章", StartsAt: start.Add(10 * time.Minute), EndsAt: start.Add(70 * time.Minute)})
	if err != nil || sess.JSON201 == nil {
		t.Fatalf("create session: %v %s", err, body(sess))
	}
	code, err := leadC.GetSessionCodeWithResponse(ctx, sess.JSON201.Id)
	if err != nil || code.JSON200 == nil {
		t.Fatalf("code: %v %s", err, body(code))
	}

	m1 := as("m1", "password1")
	in, err := m1.CheckinWithResponse(ctx, sess.JSON201.Id, apiclient.CheckinJSONRequestBody{Code: code.JSON200.Code})
	if err != nil || in.JSON201 == nil {
		t.Fatalf("check-in: %v %s", err, body(in))
	}
	if in.JSON201.Status != apiclient.CheckinAnswerStatusPresent {
		t.Errorf("check-in status %q, want present", in.JSON201.Status)
	}
	again, err := m1.CheckinWithResponse(ctx, sess.JSON201.Id, apiclient.CheckinJSONRequestBody{Code: "000000"})
	if err != nil || again.JSON200 == nil {
		t.Fatalf("second check-in: %v %s", err, body(again))
	}

	clock.Set(start.Add(2 * time.Hour))
	period := "2023Q3"
	rates, err := leadC.GetRatesWithResponse(ctx, &apiclient.GetRatesParams{Period: &period, GroupId: &branch})
	if err != nil || rates.JSON200 == nil {
		t.Fatalf("rates: %v %s", err, body(rates))
	}
	for _, r := range rates.JSON200.Members {
		if r.MemberId != in.JSON201.MemberId {
			continue
		}
		if r.Participation.Num != 1 || r.Participation.Den != 1 || r.Participation.Rate == nil || *r.Participation.Rate != 1 {
			t.Errorf("m1's participation %+v, want 1/1 = 1", r.Participation)
		}
		return
	}
	t.Errorf("m1 is not in the branch's rates: %s", rates.Body)
}

// body shows a generated answer (*XxxResponse): its status and body.
func body(r any) string {
	v := reflect.ValueOf(r)
	if !v.IsValid() || v.IsNil() {
		return "(no answer)"
	}
	v = v.Elem()
	status := ""
	if resp, ok := v.FieldByName("HTTPResponse").Interface().(*http.Response); ok && resp != nil {
		status = resp.Status
	}
	return fmt.Sprintf("%s %s", status, v.FieldByName("Body").Bytes())
}
