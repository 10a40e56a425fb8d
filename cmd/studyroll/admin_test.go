package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/schedule"
	"studyroll/store"
)

// adminOrg is a stopped store with admin (password "password1") and
// 机关党委 → 办公室 → 第一党支部 (张三), 机关党委 → 财务处 → 第一党支部:
// the branch name repeats, so only a path names one.
func adminOrg(t *testing.T) (data, office, branch string) {
	t.Helper()
	data = t.TempDir()
	s, err := store.Open(data, store.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := store.WithActor(context.Background(), "system")
	if _, _, err := s.Bootstrap(ctx, "password1"); err != nil {
		t.Fatal(err)
	}
	root, _ := s.CreateGroup(ctx, store.GroupInput{Name: "机关党委"})
	off, _ := s.CreateGroup(ctx, store.GroupInput{Name: "办公室", ParentID: root.ID})
	fin, _ := s.CreateGroup(ctx, store.GroupInput{Name: "财务处", ParentID: root.ID})
	b1, _ := s.CreateGroup(ctx, store.GroupInput{Name: "第一党支部", ParentID: off.ID})
	if _, err := s.CreateGroup(ctx, store.GroupInput{Name: "第一党支部", ParentID: fin.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMember(ctx, store.MemberInput{Name: "张三", Username: "zhangsan", Password: "password1", GroupID: b1.ID, Role: store.RoleMember, JoinedOn: "2023-01-01"}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2023, 8, 1, 9, 0, 0, 0, store.DefaultLocation())
	if _, err := s.CreateSession(ctx, store.SessionInput{GroupID: b1.ID, Title: "集中学习", StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	return data, off.ID, b1.ID
}

// TestGroupsCommand: `groups` lists every group depth first with id, type
// and path; `report --group` takes such a path (or its unique tail) as
// well as an id, and says so when a name is not unique.
func TestGroupsCommand(t *testing.T) {
	data, office, branch := adminOrg(t)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"groups", "--data", data}, &out, &errb); code != 0 {
		t.Fatalf("groups: exit %d %s", code, errb.String())
	}
	var paths []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		f := strings.Fields(l)
		paths = append(paths, f[len(f)-1])
	}
	want := "机关党委,机关党委/办公室,机关党委/办公室/第一党支部,机关党委/财务处,机关党委/财务处/第一党支部"
	if strings.Join(paths, ",") != want || !strings.HasPrefix(out.String(), "ID") ||
		!regexp.MustCompile(`(?m)^`+branch+`\s+\S+\s+机关党委/办公室/第一党支部$`).MatchString(out.String()) {
		t.Fatalf("groups output:\n%s", out.String())
	}

	for _, c := range []struct {
		ref, id string
	}{{"机关党委/办公室/第一党支部", branch}, {"办公室/第一党支部", branch}, {office, office}} {
		errb.Reset()
		if code := run(context.Background(), []string{"report", "--data", data, "--period", "2023Q3", "--group", c.ref, "--out", t.TempDir()}, &out, &errb); code != 0 {
			t.Fatalf("report --group %s: exit %d %s", c.ref, code, errb.String())
		}
		s, _ := store.Open(data, store.Options{})
		runs, _ := s.Jobs(store.JobFilter{Kind: schedule.KindReports})
		s.Close()
		if len(runs) == 0 || runs[0].GroupID != c.id || runs[0].Status != store.JobSucceeded {
			t.Errorf("report --group %s: last run %+v, want group %s", c.ref, runs[0], c.id)
		}
	}
	for ref, msg := range map[string]string{"第一党支部": "more than one group", "机关党委/人事处": "no group has this id, name or path"} {
		errb.Reset()
		if code := run(context.Background(), []string{"report", "--data", data, "--period", "2023Q3", "--group", ref}, &out, &errb); code != 1 ||
			!strings.Contains(errb.String(), msg) || !strings.Contains(errb.String(), "studyroll groups") {
			t.Errorf("report --group %s: exit %d %s", ref, code, errb.String())
		}
	}
}

// TestAdminResetPassword: `admin reset-password` sets a random password
// (printed once) or the one from $STUDYROLL_NEW_PASSWORD, the old one
// stops working; while another process holds the store it stops with the
// usual "in use" message and says what to do instead.
func TestAdminResetPassword(t *testing.T) {
	data, _, _ := adminOrg(t)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"admin", "reset-password", "--data", data, "admin"}, &out, &errb); code != 0 {
		t.Fatalf("reset: exit %d %s", code, errb.String())
	}
	m := regexp.MustCompile(`New password of admin: (\S+) \(shown once`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output %q", out.String())
	}
	check := func(user, pw string) bool {
		s, err := store.Open(data, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.CheckPassword(user, pw)
		return err == nil
	}
	if !check("admin", m[1]) || check("admin", "password1") {
		t.Errorf("after reset: the new password must work and the old one not")
	}

	t.Setenv(newPasswordEnv, "Chosen-pass-9")
	out.Reset()
	if code := run(context.Background(), []string{"admin", "reset-password", "--data", data, "zhangsan"}, &out, &errb); code != 0 ||
		strings.Contains(out.String(), "Chosen-pass-9") || !check("zhangsan", "Chosen-pass-9") {
		t.Errorf("reset from $%s: exit %d %q", newPasswordEnv, code, out.String())
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admin"}, 2, "reset-password"},
		{[]string{"admin", "reset-password", "--data", data}, 2, "name one account"},
		{[]string{"admin", "reset-password", "--data", data, "nobody"}, 1, "not found"},
	} {
		errb.Reset()
		if code := run(context.Background(), c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d %q", c.args, code, errb.String())
		}
	}

	s, err := store.Open(data, store.Options{}) // as a running server would
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	errb.Reset()
	if code := run(context.Background(), []string{"admin", "reset-password", "--data", data, "admin"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "in use") || !strings.Contains(errb.String(), "stop the server first") || !strings.Contains(errb.String(), "PATCH /api/v1/members/") {
		t.Errorf("reset while in use: exit %d %s", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"groups", "--data", data}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "in use") || !strings.Contains(errb.String(), "GET /api/v1/groups") {
		t.Errorf("groups while in use: exit %d %s", code, errb.String())
	}
}
