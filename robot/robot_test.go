package robot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"studyroll/robot"
	"studyroll/robot/robottest"
)

var content = robot.Content{Title: "学习提醒", Markdown: "### 学习提醒\n**时间**：9月2日 09:00", Text: "【学习提醒】\n时间：9月2日 09:00"}

// TestSend delivers to a fake of each vendor, in each format, signed and
// not, and checks the fake saw exactly the documented request.
func TestSend(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: robot.NoRedirects}
	for _, tc := range []struct {
		kind     string
		secret   string
		markdown bool
		wantType string
	}{
		{robot.WeCom, "", true, "markdown"},
		{robot.WeCom, "", false, "text"},
		{robot.DingTalk, "SECa1b2+c3/d4=e5f6", true, "markdown"},
		{robot.DingTalk, "SECa1b2+c3/d4=e5f6", false, "text"},
		{robot.DingTalk, "", false, "text"},
		{robot.Feishu, "fs-secret-9x", true, "interactive"},
		{robot.Feishu, "fs-secret-9x", false, "text"},
		{robot.Feishu, "", true, "interactive"},
	} {
		name := tc.kind + "/" + tc.wantType
		if tc.secret != "" {
			name += "/signed"
		}
		t.Run(name, func(t *testing.T) {
			srv := robottest.New(tc.kind, tc.secret)
			defer srv.Close()
			tgt := robot.Target{Kind: tc.kind, URL: srv.URL(), Secret: tc.secret, Signed: tc.secret != "", Markdown: tc.markdown}
			// Many timestamps, so signatures with '+' and '/' are exercised.
			for i := 0; i < 20; i++ {
				res := robot.Send(context.Background(), client, tgt, content, time.Now().Add(time.Duration(i)*time.Second))
				if !res.OK {
					t.Fatalf("send %d: %s", i, res.Error())
				}
			}
			if p := srv.Problems(); len(p) > 0 {
				t.Fatalf("the fake %s saw problems: %v", tc.kind, p)
			}
			got := srv.Messages()
			if len(got) != 20 || got[0].Type != tc.wantType {
				t.Fatalf("got %d messages, first %+v", len(got), got)
			}
			want := content.Text
			if tc.markdown {
				want = content.Markdown
			}
			if got[0].Text != want {
				t.Errorf("text %q, want %q", got[0].Text, want)
			}
		})
	}
}

// TestSendErrors checks each failure is read into the vendor's code and
// a reason: wrong secret, throttled, invalid key, down, hanging.
func TestSendErrors(t *testing.T) {
	client := &http.Client{Timeout: 300 * time.Millisecond, CheckRedirect: robot.NoRedirects}
	for _, tc := range []struct {
		kind, secret, wrong string
		mode                robottest.Mode
		wantReason          string
		wantCode            string
	}{
		{robot.DingTalk, "SECright", "SECwrong", robottest.OK, robot.ReasonBadSignature, "310000"},
		{robot.Feishu, "right", "wrong", robottest.OK, robot.ReasonBadSignature, "19021"},
		{robot.WeCom, "", "", robottest.Throttle, robot.ReasonRateLimited, "45009"},
		{robot.DingTalk, "", "", robottest.Throttle, robot.ReasonRateLimited, "130101"},
		{robot.Feishu, "", "", robottest.Throttle, robot.ReasonRateLimited, "11232"},
		{robot.WeCom, "", "", robottest.Fail, robot.ReasonBadKey, "93000"},
		{robot.DingTalk, "", "", robottest.Fail, robot.ReasonBadKey, "300001"},
		{robot.Feishu, "", "", robottest.Fail, robot.ReasonBadKey, "19001"},
		{robot.WeCom, "", "", robottest.Down, robot.ReasonServer, ""},
		{robot.Feishu, "", "", robottest.Hang, robot.ReasonNetwork, ""},
	} {
		t.Run(tc.kind+"/"+tc.wantReason, func(t *testing.T) {
			srv := robottest.New(tc.kind, tc.secret)
			defer srv.Close()
			srv.SetMode(tc.mode)
			secret := tc.secret
			if tc.wrong != "" {
				secret = tc.wrong
			}
			tgt := robot.Target{Kind: tc.kind, URL: srv.URL(), Secret: secret, Signed: secret != ""}
			res := robot.Send(context.Background(), client, tgt, content, time.Now())
			if res.OK || res.Reason != tc.wantReason || res.Code != tc.wantCode {
				t.Fatalf("got %+v, want reason %s code %q", res, tc.wantReason, tc.wantCode)
			}
			if strings.Contains(res.Error(), srv.Token) {
				t.Errorf("the error %q shows the robot's key", res.Error())
			}
		})
	}
	t.Run("a stale timestamp is refused", func(t *testing.T) {
		srv := robottest.New(robot.DingTalk, "SECx")
		defer srv.Close()
		res := robot.Send(context.Background(), client, robot.Target{Kind: robot.DingTalk, URL: srv.URL(), Secret: "SECx", Signed: true}, content, time.Now().Add(-2*time.Hour))
		if res.Reason != robot.ReasonBadSignature {
			t.Fatalf("got %+v", res)
		}
	})
	t.Run("a wrong token is an invalid key", func(t *testing.T) {
		srv := robottest.New(robot.WeCom, "")
		defer srv.Close()
		u := strings.Replace(srv.URL(), srv.Token, "nope", 1)
		res := robot.Send(context.Background(), client, robot.Target{Kind: robot.WeCom, URL: u, Markdown: true}, content, time.Now())
		if res.Reason != robot.ReasonBadKey || res.Code != "93000" {
			t.Fatalf("got %+v", res)
		}
	})
}

func TestParseResponse(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		status int
		body   string
		ok     bool
		reason string
	}{
		{robot.WeCom, 200, `{"errcode":0,"errmsg":"ok"}`, true, ""},
		{robot.Feishu, 200, `{"StatusCode":0,"StatusMessage":"success"}`, true, ""},
		{robot.Feishu, 200, `{"code":19024,"msg":"Key Words Not Found"}`, false, robot.ReasonRejected},
		{robot.DingTalk, 200, `<html>login</html>`, false, robot.ReasonUnknown},
		{robot.DingTalk, 200, ``, false, robot.ReasonUnknown},
		{robot.WeCom, 200, `{"errcode":12345,"errmsg":"new"}`, false, robot.ReasonUnknown},
		{robot.WeCom, 429, ``, false, robot.ReasonRateLimited},
		{robot.Feishu, 400, `{"code":9499,"msg":"Bad Request"}`, false, robot.ReasonBadRequest},
		{robot.WeCom, 404, `not found`, false, robot.ReasonBadKey},
		{robot.WeCom, 503, ``, false, robot.ReasonServer},
	} {
		r := robot.ParseResponse(tc.kind, tc.status, []byte(tc.body))
		if r.OK != tc.ok || r.Reason != tc.reason {
			t.Errorf("%s %d %s: got %+v", tc.kind, tc.status, tc.body, r)
		}
	}
}

// FuzzParseResponse: any answer is read without panicking, and only a
// 2xx answer with code 0 counts as sent.
func FuzzParseResponse(f *testing.F) {
	f.Add("wecom", 200, []byte(`{"errcode":0,"errmsg":"ok"}`))
	f.Add("feishu", 200, []byte(`{"code":19021,"msg":"sign match fail"}`))
	f.Add("dingtalk", 500, []byte(`{"errcode":-1}`))
	f.Add("feishu", 200, []byte(`{"code":1e400}`))
	f.Fuzz(func(t *testing.T, kind string, status int, body []byte) {
		r := robot.ParseResponse(kind, status, body)
		if r.OK && (status < 200 || status > 299 || r.Code != "0") {
			t.Fatalf("counted as sent: %d %q → %+v", status, body, r)
		}
		if !r.OK && r.Reason == "" {
			t.Fatalf("failure without a reason: %+v", r)
		}
	})
}
