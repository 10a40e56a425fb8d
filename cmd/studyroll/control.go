package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"studyroll/store"
)

// The control socket lets `studyroll backup` take a consistent copy while
// `serve` holds the store's file lock. It is a Unix socket inside the data
// folder with mode 0600: only the account that runs the server can use it.
const controlSocket = "control.sock"

func (m *Main) listenControl() error {
	path := filepath.Join(m.Data, controlSocket)
	_ = os.Remove(path) // stale from a crash; we hold the store lock, so nobody else serves here
	ln, err := listenPrivate(path)
	if err != nil {
		return fmt.Errorf("control socket %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := m.Store.WriteTo(w); err != nil {
			m.Logger.Error("control backup", "err", err)
		}
	})
	m.control = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go m.control.Serve(ln)
	return nil
}

// listenPrivate listens on the Unix socket path with mode 0600 from its
// first moment: it binds inside a fresh 0700 folder next to path, sets the
// mode, then renames the socket into place, so no one else can connect in
// between (net.Listen creates the file with the umask's mode). Closing the
// listener removes path.
func listenPrivate(path string) (net.Listener, error) {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".c")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false) // it is renamed: Close removes path instead
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("set the socket's mode: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("move the socket into place: %w", err)
	}
	return &removeOnClose{Listener: ln, path: path}, nil
}

// removeOnClose removes its socket file when closed.
type removeOnClose struct {
	net.Listener
	path string
}

func (l *removeOnClose) Close() error {
	err := l.Listener.Close()
	if rerr := os.Remove(l.path); err == nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	return err
}

// backupViaServer asks the server running on the data folder for a copy.
func backupViaServer(ctx context.Context, data string, w io.Writer) (int64, error) {
	path := filepath.Join(data, controlSocket)
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, "GET", "http://studyroll/backup", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("the store is in use and the server's control socket %s does not answer: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("server answered %s", resp.Status)
	}
	return io.Copy(w, resp.Body)
}

// writeBackup writes a consistent copy of the store in sf.data to w: from
// the file itself when no server holds it, else through the server.
func writeBackup(ctx context.Context, sf storeFlags, w io.Writer) (int64, error) {
	s, err := store.Open(sf.data, store.Options{ReadOnly: true, LockTimeout: 300 * time.Millisecond})
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return backupViaServer(ctx, sf.data, w)
		}
		return 0, err
	}
	defer s.Close()
	return s.WriteTo(w)
}

// sortedLines orders "line N" keys by N.
func sortedLines(fields map[string]string) []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimPrefix(k, "line ")); return n }
	sort.Slice(keys, func(i, j int) bool { return num(keys[i]) < num(keys[j]) })
	return keys
}
