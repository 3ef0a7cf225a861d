package deliver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const wecomKey = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

// wecomServer stands in for qyapi.weixin.qq.com: it checks the key, takes uploads as
// WeCom documents them (multipart, field "media") and records the messages.
type wecomServer struct {
	*httptest.Server
	mu       sync.Mutex
	messages []map[string]any
	uploads  []wecomUploadSeen
	fail     []int // HTTP statuses (or -errcode) to answer the next send requests with
}

type wecomUploadSeen struct {
	Filename, Length string
	Size             int
	Query            string
}

func newWeComServer(t *testing.T) *wecomServer {
	s := &wecomServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("key") != wecomKey {
			w.Write([]byte(`{"errcode":93000,"errmsg":"invalid webhook url"}`))
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		switch r.URL.Path {
		case "/cgi-bin/webhook/upload_media":
			if r.URL.Query().Get("type") != "file" {
				t.Errorf("upload type %q", r.URL.Query().Get("type"))
			}
			if err := r.ParseMultipartForm(32 << 20); err != nil {
				t.Errorf("upload is not multipart: %v", err)
				return
			}
			fhs := r.MultipartForm.File["media"]
			if len(fhs) != 1 {
				t.Errorf("upload: want one file in field media, got %v", r.MultipartForm.File)
				return
			}
			fh := fhs[0]
			cd := fh.Header.Get("Content-Disposition")
			length := ""
			if i := strings.Index(cd, "filelength="); i >= 0 {
				length = cd[i+len("filelength="):]
			}
			s.uploads = append(s.uploads, wecomUploadSeen{fh.Filename, length, int(fh.Size), r.URL.RawQuery})
			fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","type":"file","media_id":"MEDIA%d","created_at":"1380000000"}`, len(s.uploads))
		case "/cgi-bin/webhook/send":
			if len(s.fail) > 0 {
				f := s.fail[0]
				s.fail = s.fail[1:]
				if f < 0 {
					fmt.Fprintf(w, `{"errcode":%d,"errmsg":"busy"}`, -f)
				} else {
					w.WriteHeader(f)
				}
				return
			}
			var m map[string]any
			if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
				t.Errorf("send: %v", err)
			}
			s.messages = append(s.messages, m)
			w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *wecomServer) markdown(i int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages[i]["markdown"].(map[string]any)["content"].(string)
}

// The WeCom robot gets a markdown message with the headline figures and the period, then the
// workbook uploaded through upload_media (multipart, field "media") as a file message. The
// key lives in the environment; base_url sends it all to an intranet gateway.
func TestWeComReport(t *testing.T) {
	srv := newWeComServer(t)
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, "deliveries:\n  - name: it\n    kind: wecom\n    url_env: CASELOAD_WECOM_URL\n    base_url: "+srv.URL+"\n    attach: [xlsx, pdf]\n")
	h := newHarness(testEnv{"CASELOAD_WECOM_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + wecomKey})
	msg := reportMessage(t, reportFiles(t, dir, 3000))
	res, err := New(delivery(t, cfg, "it"), h.opt).Send(context.Background(), msg)
	if err != nil {
		t.Fatalf("%v\n%s", err, h.log)
	}
	if len(srv.uploads) != 2 || srv.uploads[0].Filename != "示范县侨办2022年10月统计报表.xlsx" || srv.uploads[1].Size != 3000 || srv.uploads[1].Length != "3000" {
		t.Fatalf("uploads %+v", srv.uploads)
	}
	if len(srv.messages) != 3 || srv.messages[0]["msgtype"] != "markdown" || srv.messages[1]["msgtype"] != "file" ||
		srv.messages[1]["file"].(map[string]any)["media_id"] != "MEDIA1" || srv.messages[2]["file"].(map[string]any)["media_id"] != "MEDIA2" {
		t.Fatalf("messages %v", srv.messages)
	}
	md := srv.markdown(0)
	for _, want := range append([]string{"### 示范县侨办2022年10月统计报表", msg.Files[0].Path}, testHeadlines...) {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if res.Target != "wecom via $CASELOAD_WECOM_URL at "+srv.URL || res.Bytes == 0 {
		t.Errorf("result %+v", res)
	}
	assertNoSecret(t, wecomKey, map[string]string{"log": h.log.String(), "result": jsonOf(res)})
}

// Markdown over 4096 bytes is cut at a rune boundary with a note; a send that fails with a
// 5xx or a "busy" errcode is retried without uploading or posting again what already went.
func TestWeComLimitAndRetry(t *testing.T) {
	srv := newWeComServer(t)
	srv.fail = []int{503, -45009}
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, "deliveries:\n  - name: it\n    kind: wecom\n    url_env: U\n")
	h := newHarness(testEnv{"U": srv.URL + "/cgi-bin/webhook/send?key=" + wecomKey})
	msg := reportMessage(t, reportFiles(t, dir, 100))
	for i := 0; i < 60; i++ {
		msg.Headlines = append(msg.Headlines, fmt.Sprintf("第%d句：2022年10月，共受理涉侨业务207宗，同比下降1.4%%。", i))
	}
	res, err := New(delivery(t, cfg, "it"), h.opt).Send(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attempts) != 3 || !strings.Contains(res.Attempts[0].Error, "HTTP 503") || !strings.Contains(res.Attempts[1].Error, "errcode 45009") {
		t.Fatalf("%+v", res.Attempts)
	}
	if len(srv.uploads) != 1 || len(srv.messages) != 2 {
		t.Fatalf("uploads %d messages %d: a retry repeated a step", len(srv.uploads), len(srv.messages))
	}
	md := srv.markdown(0)
	if len(md) > MarkdownLimit || !utf8.ValidString(md) || !strings.HasSuffix(md, "……（内容过长，已截断）") {
		t.Errorf("markdown %d bytes, valid %v, ends %q", len(md), utf8.ValidString(md), md[max(0, len(md)-40):])
	}
}

// An alert to WeCom is one short markdown message: job, period, status, error, the run and
// how to see it.
func TestWeComAlert(t *testing.T) {
	srv := newWeComServer(t)
	cfg := loadDeliveries(t, t.TempDir(), "deliveries:\n  - name: it\n    kind: wecom\n    url_env: U\n")
	h := newHarness(testEnv{"U": srv.URL + "/cgi-bin/webhook/send?key=" + wecomKey})
	msg, err := AlertMessage("示范县侨办", "zh", october, Run{Job: "monthly-report", RunID: 17, Status: "failed", Error: "deliver officials: dial tcp 10.0.0.5:465: connection refused (after 4 attempts)"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(delivery(t, cfg, "it"), h.opt).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if len(srv.messages) != 1 || len(srv.uploads) != 0 {
		t.Fatalf("%v %v", srv.messages, srv.uploads)
	}
	md := srv.markdown(0)
	for _, want := range []string{"【caseload告警】monthly-report 2022年10月 运行失败", "任务：monthly-report", "统计期间：2022年10月 (2022-10)",
		"状态：失败（failed）", "运行编号：17", "错误：deliver officials: dial tcp 10.0.0.5:465: connection refused (after 4 attempts)",
		"查看：caseload runs --job monthly-report", "主机：caseload-test"} {
		if !strings.Contains(md, want) {
			t.Errorf("alert lacks %q:\n%s", want, md)
		}
	}
}

// A wrong key (WeCom's errcode 93000) is permanent, and neither the key nor the URL
// appears in the error, the log or the result.
func TestWeComBadKeyNoSecret(t *testing.T) {
	srv := newWeComServer(t)
	cfg := loadDeliveries(t, t.TempDir(), "deliveries:\n  - name: it\n    kind: wecom\n    url_env: U\n")
	other := "0badc0de-1111-2222-3333-444455556666"
	h := newHarness(testEnv{"U": srv.URL + "/cgi-bin/webhook/send?key=" + other})
	res, err := New(delivery(t, cfg, "it"), h.opt).Send(context.Background(), TestMessage("示范县侨办", "zh"))
	if err == nil || len(res.Attempts) != 1 || !strings.Contains(res.Error, "errcode 93000") {
		t.Fatalf("%v %+v", err, res)
	}
	assertNoSecret(t, other, map[string]string{"log": h.log.String(), "result": jsonOf(res), "error": err.Error()})
}

// DingTalk: markdown with title and text, signed with HMAC-SHA256 of timestamp+"\n"+secret
// (base64, URL-escaped) when secret_env is set; the file paths are in the text.
func TestDingTalkSigned(t *testing.T) {
	const secret = "SEC1234567890abcdef1234567890abcdef1234567890abcdef"
	const token = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6"
	var got map[string]any
	var mu sync.Mutex
	busy := 1
	h := newHarness(nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		q := r.URL.Query()
		ts, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		if r.URL.Path != "/robot/send" || q.Get("access_token") != token || q.Get("sign") != DingTalkSign(ts, secret) ||
			!strings.Contains(r.URL.RawQuery, "sign="+strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(DingTalkSign(ts, secret))) {
			w.Write([]byte(`{"errcode":310000,"errmsg":"sign not match"}`))
			return
		}
		if d := time.Since(time.UnixMilli(ts)); d > time.Hour && ts != h.clock.t.UnixMilli() {
			t.Errorf("timestamp %d not from the clock", ts)
		}
		if busy > 0 {
			busy--
			w.Write([]byte(`{"errcode":130101,"errmsg":"send too fast"}`))
			return
		}
		json.NewDecoder(r.Body).Decode(&got)
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer srv.Close()
	h.env = testEnv{"DING_URL": srv.URL + "/robot/send?access_token=" + token, "DING_SECRET": secret}
	h.opt.Getenv = h.env.get
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, "deliveries:\n  - name: ding\n    kind: dingtalk\n    url_env: DING_URL\n    secret_env: DING_SECRET\n")
	msg := reportMessage(t, reportFiles(t, dir, 100))
	res, err := New(delivery(t, cfg, "ding"), h.opt).Send(context.Background(), msg)
	if err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if len(res.Attempts) != 2 || !strings.Contains(res.Attempts[0].Error, "130101") {
		t.Errorf("attempts %+v", res.Attempts)
	}
	md, _ := got["markdown"].(map[string]any)
	if got["msgtype"] != "markdown" || md["title"] != "示范县侨办2022年10月统计报表" || !strings.Contains(md["text"].(string), msg.Files[0].Path) ||
		!strings.Contains(md["text"].(string), testHeadlines[1]) {
		t.Errorf("message %v", got)
	}
	for _, s := range []string{secret, token} {
		assertNoSecret(t, s, map[string]string{"log": h.log.String(), "result": jsonOf(res)})
	}
}

// The generic webhook: one JSON POST of the run and its headline figures, signed when
// secret_env is set; 5xx is retried, 4xx is not; a token in the URL path never shows.
func TestWebhook(t *testing.T) {
	const secret = "whsec_0123456789abcdef"
	const pathToken = "T0123456789ABCDEFsecretpath"
	var bodies [][]byte
	var sigs []string
	statuses := []int{500, 200, 404}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
		sigs = append(sigs, r.Header.Get(SignatureHeader))
		code := statuses[0]
		statuses = statuses[1:]
		w.WriteHeader(code)
		w.Write([]byte("no such hook"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, "deliveries:\n  - name: hook\n    kind: webhook\n    url_env: HOOK\n    secret_env: HOOK_SECRET\n")
	h := newHarness(testEnv{"HOOK": srv.URL + "/hooks/" + pathToken, "HOOK_SECRET": secret})
	msg := reportMessage(t, reportFiles(t, dir, 100))
	msg.Run = &Run{Job: "monthly-report", RunID: 9, Status: "running"}
	res, err := New(delivery(t, cfg, "hook"), h.opt).Send(context.Background(), msg)
	if err != nil || len(res.Attempts) != 2 {
		t.Fatalf("%v %+v", err, res)
	}
	var p WebhookPayload
	if err := json.Unmarshal(bodies[1], &p); err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(bodies[1])
	if sigs[1] != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		t.Errorf("signature %q", sigs[1])
	}
	if p.Source != "caseload" || p.Type != TypeReport || p.Period == nil || p.Period.Label != "2022-10" || len(p.Headlines) != 3 ||
		len(p.Files) != 3 || p.Files[0].Size == 0 || p.Run == nil || p.Run.Job != "monthly-report" || p.SentAt != "2022-11-01T06:00:00+08:00" {
		t.Errorf("payload %s", bodies[1])
	}
	// 404: permanent
	res, err = New(delivery(t, cfg, "hook"), h.opt).Send(context.Background(), msg)
	if err == nil || len(res.Attempts) != 1 || !strings.Contains(res.Error, "HTTP 404 Not Found: no such hook") {
		t.Fatalf("%v %+v", err, res)
	}
	// connection refused: net/http's error carries the URL; the token must not show.
	srv.Close()
	res, err = New(delivery(t, cfg, "hook"), h.opt).Send(context.Background(), msg)
	if err == nil || !strings.Contains(res.Error, "connection refused") || !strings.Contains(res.Error, "Post "+srv.URL+":") {
		t.Fatalf("%v %+v", err, res)
	}
	for _, s := range []string{secret, pathToken} {
		assertNoSecret(t, s, map[string]string{"log": h.log.String(), "result": jsonOf(res), "error": err.Error()})
	}
}
