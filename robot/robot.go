// Package robot speaks the webhook protocols of the three group robots
// studyroll sends reminders through: the 企业微信 (WeCom, also 政务微信)
// group robot, the 钉钉 (DingTalk) custom robot and the 飞书 (Feishu) custom
// bot. It builds each vendor's request exactly as its documentation
// specifies (address, signature, JSON body) and reads the vendor's answer
// into a Result with the vendor's own error code. It knows nothing of the
// store: package remind decides what to send and when.
//
//	WeCom     POST {url: …/cgi-bin/webhook/send?key=KEY}
//	          {"msgtype":"markdown","markdown":{"content":MD}} or
//	          {"msgtype":"text","text":{"content":TEXT}}
//	          answer {"errcode":0,"errmsg":"ok"}
//	DingTalk  POST {url: …/robot/send?access_token=T}&timestamp=MS&sign=SIGN
//	          SIGN = urlencode(base64(HMAC-SHA256(key=secret, msg=MS+"\n"+secret)))
//	          {"msgtype":"markdown","markdown":{"title":T,"text":MD}} or
//	          {"msgtype":"text","text":{"content":TEXT}}
//	          answer {"errcode":0,"errmsg":"ok"}
//	Feishu    POST {url: …/open-apis/bot/v2/hook/ID}
//	          {"timestamp":"S","sign":SIGN,"msg_type":"interactive","card":{…markdown…}} or
//	          {"timestamp":"S","sign":SIGN,"msg_type":"text","content":{"text":TEXT}}
//	          SIGN = base64(HMAC-SHA256(key=S+"\n"+secret, msg=""))
//	          answer {"code":0,"msg":"success"}
package robot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The kinds of robot.
const (
	WeCom    = "wecom"
	DingTalk = "dingtalk"
	Feishu   = "feishu"
)

// Target is one robot: its kind, address and signing secret.
type Target struct {
	Kind   string
	URL    string
	Secret string
	// Signed adds the vendor's signature (DingTalk, Feishu).
	Signed bool
	// Markdown sends the markdown form; otherwise plain text.
	Markdown bool
}

// Content is one message in both forms; the target's format picks one.
type Content struct {
	Title    string
	Markdown string
	Text     string
}

// Size limits of a message's text, in bytes, as the vendors document
// them (WeCom: markdown 4096, text 2048; DingTalk and Feishu allow 20 000
// bytes for the whole body: we keep the text under 15 000).
const (
	weComMarkdownMax = 4096
	weComTextMax     = 2048
	otherMax         = 15000
)

// NewRequest builds the POST that delivers c to t, signed at now.
func NewRequest(ctx context.Context, t Target, c Content, now time.Time) (*http.Request, error) {
	u, body, err := build(t, c, now)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "studyroll-reminders")
	return req, nil
}

func build(t Target, c Content, now time.Time) (string, []byte, error) {
	if t.Signed && t.Secret == "" {
		return "", nil, fmt.Errorf("robot: a signed %s robot needs its secret", t.Kind)
	}
	var body any
	u := t.URL
	switch t.Kind {
	case WeCom:
		if t.Markdown {
			body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": clip(c.Markdown, weComMarkdownMax)}}
		} else {
			body = map[string]any{"msgtype": "text", "text": map[string]string{"content": clip(c.Text, weComTextMax)}}
		}
	case DingTalk:
		if t.Markdown {
			body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": clip(c.Title, 200), "text": clip(c.Markdown, otherMax)}}
		} else {
			body = map[string]any{"msgtype": "text", "text": map[string]string{"content": clip(c.Text, otherMax)}}
		}
		if t.Signed {
			ts := strconv.FormatInt(now.UnixMilli(), 10)
			var err error
			if u, err = withQuery(u, "timestamp", ts, "sign", DingTalkSign(t.Secret, ts)); err != nil {
				return "", nil, err
			}
		}
	case Feishu:
		m := map[string]any{}
		if t.Markdown {
			m["msg_type"] = "interactive"
			m["card"] = map[string]any{
				"config":   map[string]any{"wide_screen_mode": true},
				"header":   map[string]any{"title": map[string]string{"tag": "plain_text", "content": clip(c.Title, 200)}, "template": "red"},
				"elements": []any{map[string]string{"tag": "markdown", "content": clip(c.Markdown, otherMax)}},
			}
		} else {
			m["msg_type"] = "text"
			m["content"] = map[string]string{"text": clip(c.Text, otherMax)}
		}
		if t.Signed {
			ts := strconv.FormatInt(now.Unix(), 10)
			m["timestamp"], m["sign"] = ts, FeishuSign(t.Secret, ts)
		}
		body = m
	default:
		return "", nil, fmt.Errorf("robot: unknown kind %q", t.Kind)
	}
	data, err := json.Marshal(body)
	return u, data, err
}

// withQuery sets query parameters on raw, keeping the others (the
// access_token) as they are.
func withQuery(raw string, kv ...string) (string, error) {
	p, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := p.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	p.RawQuery = q.Encode()
	return p.String(), nil
}

// DingTalkSign is the DingTalk signature of timestamp (ms): base64 of
// HMAC-SHA256 keyed with the secret over timestamp+"\n"+secret. The caller
// URL-encodes it as a query value.
func DingTalkSign(secret, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FeishuSign is the Feishu signature of timestamp (s): base64 of
// HMAC-SHA256 keyed with timestamp+"\n"+secret over an empty message.
func FeishuSign(secret, timestamp string) string {
	m := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Why a delivery failed, by what the vendor's answer means.
const (
	ReasonRateLimited  = "rate_limited"  // the vendor throttled the robot
	ReasonBadSignature = "bad_signature" // wrong secret, or the clock is off by over an hour
	ReasonBadKey       = "bad_key"       // the key / access token / hook id is not (or no longer) valid
	ReasonRejected     = "rejected"      // keyword or IP allow-list not met
	ReasonBadRequest   = "bad_request"   // the vendor refused the body
	ReasonServer       = "server"        // HTTP 5xx or a busy answer
	ReasonNetwork      = "network"       // no answer: refused, timed out, reset
	ReasonUnknown      = "unknown"       // an answer we cannot read, or a code we do not know
)

// Result is how one delivery went.
type Result struct {
	OK bool
	// HTTPStatus is the answer's status, 0 when none came.
	HTTPStatus int
	// Code is the vendor's errcode / code ("45009"), "" when none.
	Code string
	// Reason classifies the failure (the Reason constants).
	Reason string
	// Message is the vendor's errmsg / msg, or the network error.
	Message string
}

// Error describes a failed result for people: reason, code and message.
func (r Result) Error() string {
	if r.OK {
		return ""
	}
	var b strings.Builder
	b.WriteString(r.Reason)
	if r.HTTPStatus != 0 && r.HTTPStatus != http.StatusOK {
		fmt.Fprintf(&b, " (HTTP %d)", r.HTTPStatus)
	}
	if r.Code != "" {
		fmt.Fprintf(&b, " code %s", r.Code)
	}
	if r.Message != "" {
		b.WriteString(": " + r.Message)
	}
	return b.String()
}

// vendorCodes maps each vendor's documented error codes to a reason.
var vendorCodes = map[string]map[int64]string{
	WeCom: {
		45009: ReasonRateLimited, // api freq out of limit (20 messages a minute per robot)
		93000: ReasonBadKey,      // invalid webhook url: the key is wrong or the robot was removed
		93004: ReasonBadKey,      // the robot was switched off
		40008: ReasonBadRequest,  // invalid message type
		40058: ReasonBadRequest,  // invalid parameter
		44004: ReasonBadRequest,  // empty content
		-1:    ReasonServer,      // system busy
	},
	DingTalk: {
		310000: ReasonBadSignature, // sign not match / keywords not in content / ip not in whitelist (errmsg says which)
		300001: ReasonBadKey,       // token is not exist
		130101: ReasonRateLimited,  // send too fast, exceed 20 times per minute
		410100: ReasonRateLimited,  // throttled
		-1:     ReasonServer,       // system busy
	},
	Feishu: {
		19021: ReasonBadSignature, // sign match fail or timestamp is not within one hour from current time
		19022: ReasonRejected,     // ip not allowed
		19024: ReasonRejected,     // key words not found
		19001: ReasonBadKey,       // param invalid: incoming webhook access token invalid
		9499:  ReasonBadRequest,   // bad request
		11232: ReasonRateLimited,  // frequency limited
	},
}

// ParseResponse reads a vendor's answer: HTTP status and body.
func ParseResponse(kind string, status int, body []byte) Result {
	r := Result{HTTPStatus: status}
	var a struct {
		ErrCode    *json.Number `json:"errcode"`
		ErrMsg     string       `json:"errmsg"`
		Code       *json.Number `json:"code"`
		Msg        string       `json:"msg"`
		StatusCode *json.Number `json:"StatusCode"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	jsonErr := dec.Decode(&a)
	code := a.ErrCode
	r.Message = a.ErrMsg
	if kind == Feishu {
		code, r.Message = a.Code, a.Msg
		if code == nil {
			code = a.StatusCode
		}
	}
	if code != nil {
		r.Code = code.String()
	}
	r.Message = clip(strings.TrimSpace(r.Message), 300)
	n, numErr := int64(0), error(nil)
	if code != nil {
		n, numErr = code.Int64()
	}
	switch {
	case status == http.StatusTooManyRequests:
		r.Reason = ReasonRateLimited
	case status >= 500:
		r.Reason = ReasonServer
	case status < 200 || status > 299:
		r.Reason = ReasonBadRequest
		if status == http.StatusNotFound || status == http.StatusUnauthorized || status == http.StatusForbidden {
			r.Reason = ReasonBadKey
		}
		if c, ok := vendorCodes[kind][n]; ok && code != nil && numErr == nil {
			r.Reason = c
		}
	case jsonErr != nil || code == nil || numErr != nil:
		r.Reason, r.Code = ReasonUnknown, ""
		if r.Message == "" {
			r.Message = "the answer is not the robot API's JSON: is the address a robot's webhook?"
		}
	case n == 0:
		r.OK, r.Reason = true, ""
	default:
		r.Reason = ReasonUnknown
		if c, ok := vendorCodes[kind][n]; ok {
			r.Reason = c
		}
	}
	return r
}

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 64 << 10

// Send delivers c to t with client and reads the answer. A failure to
// reach the server is a Result with ReasonNetwork, not an error.
func Send(ctx context.Context, client *http.Client, t Target, c Content, now time.Time) Result {
	req, err := NewRequest(ctx, t, c, now)
	if err != nil {
		return Result{Reason: ReasonBadRequest, Message: err.Error()}
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{Reason: ReasonNetwork, Message: netMessage(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return Result{HTTPStatus: resp.StatusCode, Reason: ReasonNetwork, Message: netMessage(err)}
	}
	return ParseResponse(t.Kind, resp.StatusCode, body)
}

// netMessage is a network error without the request URL, which holds the
// robot's key.
func netMessage(err error) string {
	var ue *url.Error
	if e, ok := err.(*url.Error); ok {
		ue = e
	}
	if ue != nil {
		err = ue.Err
	}
	return clip(err.Error(), 300)
}

// NoRedirects is the client's CheckRedirect: a robot's address answers
// itself, and following a redirect would send the message elsewhere.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
