// Package robottest runs a stand-in for a vendor's robot webhook on a real
// HTTP server (httptest) for tests: it checks each request exactly as the
// vendor's documentation specifies — path, credential, headers, JSON body,
// signature and its time window — answers the way the vendor answers
// (including its error codes), and can be told to fail, throttle or hang.
package robottest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mode is how the server answers the next requests.
type Mode int

// The modes.
const (
	OK       Mode = iota // accept (after checking)
	Fail                 // answer the vendor's "invalid key" error
	Throttle             // answer the vendor's rate-limit error
	Hang                 // never answer (until the client gives up or Close)
	Down                 // HTTP 502
)

// Message is one accepted message.
type Message struct {
	Type  string // text, markdown, interactive
	Title string
	Text  string
	At    time.Time
}

// Server is a fake robot of one kind.
type Server struct {
	srv    *httptest.Server
	Kind   string
	Secret string
	// Token is the key / access token / hook id in the address.
	Token string
	// Now is the vendor's clock for the signature window; default time.Now.
	Now func() time.Time

	mu   sync.Mutex
	mode Mode
	// hangAfter > 0: once that many messages were accepted, requests hang.
	hangAfter int
	got       []Message
	problems  []string
	requests  int
	release   chan struct{}
}

// New starts a fake robot of kind ("wecom", "dingtalk", "feishu"); a
// non-empty secret makes it require signed requests. Close it when done.
func New(kind, secret string) *Server {
	s := &Server{Kind: kind, Secret: secret, Token: "tok-" + kind + "-3f9c2a7e", Now: time.Now, release: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// Close stops the server, releasing hung requests.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// URL is the robot's webhook address, in the vendor's form.
func (s *Server) URL() string {
	switch s.Kind {
	case "wecom":
		return s.srv.URL + "/cgi-bin/webhook/send?key=" + s.Token
	case "dingtalk":
		return s.srv.URL + "/robot/send?access_token=" + s.Token
	default:
		return s.srv.URL + "/open-apis/bot/v2/hook/" + s.Token
	}
}

// SetMode changes how the next requests are answered.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	s.mode = m
	s.mu.Unlock()
}

// HangAfter makes requests hang once n messages were accepted (0: never).
func (s *Server) HangAfter(n int) {
	s.mu.Lock()
	s.hangAfter = n
	s.mu.Unlock()
}

// Messages returns the accepted messages, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

// Problems lists every way a request broke the vendor's rules.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// Requests counts every request received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// answer writes the vendor's JSON answer with code and message.
func (s *Server) answer(w http.ResponseWriter, e verr) {
	code, msg := e.code, e.msg
	w.Header().Set("Content-Type", "application/json")
	if s.Kind == "feishu" {
		fmt.Fprintf(w, `{"code":%d,"msg":%q,"data":{}}`, code, msg)
		return
	}
	fmt.Fprintf(w, `{"errcode":%d,"errmsg":%q}`, code, msg)
}

// verr is a vendor's answer code and message.
type verr struct {
	code int
	msg  string
}

// The vendors' codes this fake answers with.
func (s *Server) badKey() verr {
	switch s.Kind {
	case "wecom":
		return verr{93000, "invalid webhook url, hint: [1700000000_1_abc]"}
	case "dingtalk":
		return verr{300001, "token is not exist"}
	}
	return verr{19001, "param invalid: incoming webhook access token invalid"}
}

func (s *Server) badSign() verr {
	if s.Kind == "dingtalk" {
		return verr{310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}
	}
	return verr{19021, "sign match fail or timestamp is not within one hour from current time"}
}

func (s *Server) throttled() verr {
	switch s.Kind {
	case "wecom":
		return verr{45009, "api freq out of limit"}
	case "dingtalk":
		return verr{130101, "send too fast, exceed 20 times per minute"}
	}
	return verr{11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	mode := s.mode
	if s.hangAfter > 0 && len(s.got) >= s.hangAfter {
		mode = Hang
	}
	s.mu.Unlock()
	switch mode {
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
		return
	case Down:
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	if r.Method != http.MethodPost {
		s.problem("method %s, want POST", r.Method)
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" ||
		(params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		s.problem("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	if len(body) > 20000 {
		s.problem("body of %d bytes: the vendors allow 20 000", len(body))
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		s.problem("body is not JSON: %v", err)
		s.answer(w, verr{9499, "Bad Request"})
		return
	}
	var msg Message
	var ok bool
	switch s.Kind {
	case "wecom":
		msg, ok = s.checkWeCom(w, r, m)
	case "dingtalk":
		msg, ok = s.checkDingTalk(w, r, m)
	default:
		msg, ok = s.checkFeishu(w, r, m)
	}
	if !ok {
		return
	}
	switch mode {
	case Fail:
		s.answer(w, s.badKey())
		return
	case Throttle:
		s.answer(w, s.throttled())
		return
	}
	msg.At = time.Now()
	s.mu.Lock()
	s.got = append(s.got, msg)
	s.mu.Unlock()
	if s.Kind == "feishu" {
		s.answer(w, verr{0, "success"})
	} else {
		s.answer(w, verr{0, "ok"})
	}
}

func str(m map[string]any, path ...string) (string, bool) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur = mm[p]
	}
	v, ok := cur.(string)
	return v, ok
}

func (s *Server) checkWeCom(w http.ResponseWriter, r *http.Request, m map[string]any) (Message, bool) {
	if r.URL.Path != "/cgi-bin/webhook/send" || r.URL.Query().Get("key") != s.Token {
		s.answer(w, s.badKey())
		return Message{}, false
	}
	switch m["msgtype"] {
	case "markdown":
		c, ok := str(m, "markdown", "content")
		if !ok || c == "" || len(c) > 4096 {
			s.problem("wecom markdown.content missing, empty or over 4096 bytes (%d)", len(c))
			s.answer(w, verr{44004, "empty content"})
			return Message{}, false
		}
		return Message{Type: "markdown", Text: c}, true
	case "text":
		c, ok := str(m, "text", "content")
		if !ok || c == "" || len(c) > 2048 {
			s.problem("wecom text.content missing, empty or over 2048 bytes (%d)", len(c))
			s.answer(w, verr{44004, "empty content"})
			return Message{}, false
		}
		return Message{Type: "text", Text: c}, true
	}
	s.problem("wecom msgtype %v", m["msgtype"])
	s.answer(w, verr{40008, "invalid message type"})
	return Message{}, false
}

func (s *Server) checkDingTalk(w http.ResponseWriter, r *http.Request, m map[string]any) (Message, bool) {
	q := r.URL.Query()
	if r.URL.Path != "/robot/send" || q.Get("access_token") != s.Token {
		s.answer(w, s.badKey())
		return Message{}, false
	}
	if s.Secret != "" {
		ts := q.Get("timestamp")
		ms, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || len(ts) != 13 {
			s.problem("dingtalk timestamp %q: want milliseconds", ts)
			s.answer(w, s.badSign())
			return Message{}, false
		}
		if d := s.Now().Sub(time.UnixMilli(ms)); d > time.Hour || d < -time.Hour {
			s.problem("dingtalk timestamp off by %s", d)
			s.answer(w, s.badSign())
			return Message{}, false
		}
		mac := hmac.New(sha256.New, []byte(s.Secret))
		mac.Write([]byte(ts + "\n" + s.Secret))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		// The sign arrives URL-encoded; Query decodes it once. A sign
		// sent without encoding loses its '+' to spaces and fails here.
		if q.Get("sign") != want {
			s.problem("dingtalk sign %q, want %q", q.Get("sign"), want)
			s.answer(w, s.badSign())
			return Message{}, false
		}
	}
	switch m["msgtype"] {
	case "markdown":
		title, ok1 := str(m, "markdown", "title")
		text, ok2 := str(m, "markdown", "text")
		if !ok1 || !ok2 || title == "" || text == "" {
			s.problem("dingtalk markdown needs title and text")
			s.answer(w, verr{400, "param error"})
			return Message{}, false
		}
		return Message{Type: "markdown", Title: title, Text: text}, true
	case "text":
		c, ok := str(m, "text", "content")
		if !ok || c == "" {
			s.problem("dingtalk text.content missing")
			s.answer(w, verr{400, "param error"})
			return Message{}, false
		}
		return Message{Type: "text", Text: c}, true
	}
	s.problem("dingtalk msgtype %v", m["msgtype"])
	s.answer(w, verr{400, "param error"})
	return Message{}, false
}

func (s *Server) checkFeishu(w http.ResponseWriter, r *http.Request, m map[string]any) (Message, bool) {
	if r.URL.Path != "/open-apis/bot/v2/hook/"+s.Token || r.URL.RawQuery != "" {
		s.answer(w, s.badKey())
		return Message{}, false
	}
	if s.Secret != "" {
		ts, ok := m["timestamp"].(string)
		sec, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil || len(ts) != 10 {
			s.problem("feishu timestamp %v: want seconds, as a string", m["timestamp"])
			s.answer(w, s.badSign())
			return Message{}, false
		}
		if d := s.Now().Sub(time.Unix(sec, 0)); d > time.Hour || d < -time.Hour {
			s.problem("feishu timestamp off by %s", d)
			s.answer(w, s.badSign())
			return Message{}, false
		}
		mac := hmac.New(sha256.New, []byte(ts+"\n"+s.Secret))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if got, _ := m["sign"].(string); got != want {
			s.problem("feishu sign %q, want %q", got, want)
			s.answer(w, s.badSign())
			return Message{}, false
		}
	}
	switch m["msg_type"] {
	case "text":
		c, ok := str(m, "content", "text")
		if !ok || c == "" {
			s.problem("feishu content.text missing")
			s.answer(w, verr{9499, "Bad Request"})
			return Message{}, false
		}
		return Message{Type: "text", Text: c}, true
	case "interactive":
		card, _ := m["card"].(map[string]any)
		title, _ := str(card, "header", "title", "content")
		els, _ := card["elements"].([]any)
		if card == nil || len(els) == 0 {
			s.problem("feishu interactive without card.elements")
			s.answer(w, verr{9499, "Bad Request"})
			return Message{}, false
		}
		el, _ := els[0].(map[string]any)
		text, _ := el["content"].(string)
		if el["tag"] != "markdown" || text == "" {
			s.problem("feishu card element %v: want a markdown element", el)
			s.answer(w, verr{9499, "Bad Request"})
			return Message{}, false
		}
		return Message{Type: "interactive", Title: title, Text: text}, true
	}
	s.problem("feishu msg_type %v", m["msg_type"])
	s.answer(w, verr{9499, "Bad Request"})
	return Message{}, false
}
