package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"studyroll/store"
)

// buildBinary compiles studyroll once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "studyroll")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// server is a running `studyroll serve` process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stdout *bufio.Scanner
	lines  []string
}

func startServer(t *testing.T, bin, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "STUDYROLL_ADMIN_PASSWORD=admin-password")
	out, _ := cmd.StdoutPipe()
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stdout: bufio.NewScanner(out)}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server log (last 4 KiB):\n%s", logs.tail(4096))
		}
	})
	re := regexp.MustCompile(`serving on (http://\S+)`)
	deadline := time.After(30 * time.Second)
	found := make(chan string, 1)
	go func() {
		for s.stdout.Scan() {
			line := s.stdout.Text()
			s.lines = append(s.lines, line)
			if m := re.FindStringSubmatch(line); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case s.url = <-found:
	case <-deadline:
		t.Fatal("server did not start")
	}
	return s
}

func login(t *testing.T, url, user, pw string) string {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %s", user, resp.Status)
	}
	return out.Token
}

func TestServeLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	srv := startServer(t, bin, data, "--demo")
	tok := login(t, srv.url, "admin", "admin-password")
	login(t, srv.url, "member", "studyroll-demo")

	t.Run("second process fails at once", func(t *testing.T) {
		start := time.Now()
		out, err := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data).CombinedOutput()
		if err == nil {
			t.Fatal("second serve on the same data folder succeeded")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v, want < 2 s", d)
		}
		if !strings.Contains(string(out), "in use") {
			t.Errorf("message %q does not say the store is in use", out)
		}
	})

	backup := filepath.Join(t.TempDir(), "copy.db")
	t.Run("backup while serving", func(t *testing.T) {
		out, err := exec.Command(bin, "backup", "--data", data, "--out", backup).CombinedOutput()
		if err != nil {
			t.Fatalf("backup: %v %s", err, out)
		}
		req, _ := http.NewRequest("GET", srv.url+"/api/v1/backup", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /backup: %v %v", resp, err)
		}
		resp.Body.Close()
	})

	t.Run("SIGTERM shuts down cleanly", func(t *testing.T) {
		srv.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- srv.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no exit after SIGTERM")
		}
	})

	t.Run("serve starts from the backup", func(t *testing.T) {
		dir := t.TempDir()
		db, _ := os.ReadFile(backup)
		os.WriteFile(filepath.Join(dir, "studyroll.db"), db, 0o600)
		key, _ := os.ReadFile(filepath.Join(data, store.AuditKeyFile)) // the key is not in the backup
		os.WriteFile(filepath.Join(dir, store.AuditKeyFile), key, 0o600)
		fkey, _ := os.ReadFile(filepath.Join(data, store.FieldKeyFile)) // nor is the field key
		os.WriteFile(filepath.Join(dir, store.FieldKeyFile), fkey, 0o600)
		srv2 := startServer(t, bin, dir)
		login(t, srv2.url, "member", "studyroll-demo")
		login(t, srv2.url, "admin", "admin-password")
		srv2.cmd.Process.Signal(syscall.SIGINT)
		srv2.cmd.Wait()
	})
}

func TestRunUsage(t *testing.T) {
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"nope"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
	if code := run(context.Background(), []string{"import", "--data", t.TempDir()}, &out, &errb); code != 2 {
		t.Errorf("import without a file: exit %d", code)
	}
	if code := run(context.Background(), []string{"backup", "--data", t.TempDir(), "--out", filepath.Join(t.TempDir(), "x")}, &out, &errb); code != 1 {
		t.Errorf("backup of a missing store: exit %d", code)
	}
}

func TestImportCommand(t *testing.T) {
	data := t.TempDir()
	csvPath := filepath.Join(t.TempDir(), "roster.csv")
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"demo", "--data", data}, &out, &errb); code != 0 {
		t.Fatalf("demo: %d %s", code, errb.String())
	}
	os.WriteFile(csvPath, []byte("\ufeffname,username,group,role,joined_on,password\n新同志,newbie,办公室第一党支部,member,2024-01-02,secret123\n坏,bad,没有这个支部,member,,secret123\n"), 0o600)
	errb.Reset()
	if code := run(context.Background(), []string{"import", "--data", data, csvPath}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "line 3") {
		t.Fatalf("bad import: exit %d, stderr %q", code, errb.String())
	}
	os.WriteFile(csvPath, []byte("name,username,group,role,joined_on,password\n新同志,newbie,办公室第一党支部,member,2024-01-02,secret123\n"), 0o600)
	out.Reset()
	if code := run(context.Background(), []string{"import", "--data", data, csvPath}, &out, &errb); code != 0 || !strings.Contains(out.String(), "1 created") {
		t.Fatalf("import: exit %d, %q %q", code, out.String(), errb.String())
	}

	// -h describes the roster format.
	errb.Reset()
	if code := run(context.Background(), []string{"import", "-h"}, &out, &errb); code != 0 {
		t.Errorf("import -h: exit %d", code)
	}
	for _, want := range []string{"name,username,group,role,joined_on,password", "机关党委/第一党支部", "joined_on", "-data"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("import -h does not say %q:\n%s", want, errb.String())
		}
	}

	// While another process holds the store, the message points to the
	// web page and the API.
	s, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	errb.Reset()
	if code := run(context.Background(), []string{"import", "--data", data, csvPath}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "in use") || !strings.Contains(errb.String(), "/app/data") || !strings.Contains(errb.String(), "POST /api/v1/members/import") {
		t.Errorf("import while the store is in use: exit %d, %s", code, errb.String())
	}
}

// lockedBuffer collects a child's stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) > n {
		return string(b.buf[len(b.buf)-n:])
	}
	return string(b.buf)
}

// TestMemLimitFor: the soft memory limit is 160 MiB while the live heap is
// small and stays above a big store's live heap, with room to spare, so the
// collector never runs without pause.
func TestMemLimitFor(t *testing.T) {
	const MiB = 1 << 20
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, 160 * MiB},
		{40 * MiB, 160 * MiB},
		{64 * MiB, 160 * MiB},
		{100 * MiB, 196 * MiB},
		{400 * MiB, 600 * MiB},
	} {
		got := memLimitFor(c.live)
		if got != c.want {
			t.Errorf("live %d MiB: limit %d MiB, want %d", c.live/MiB, got/MiB, c.want/MiB)
		}
		if got <= int64(c.live) {
			t.Errorf("live %d MiB: limit %d MiB not above it", c.live/MiB, got/MiB)
		}
	}
}
