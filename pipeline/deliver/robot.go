package deliver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
)

// MarkdownLimit is the most bytes of a robot's markdown message: WeCom's documented limit
// (4096 bytes of UTF-8), used for DingTalk too. Longer text is cut at a rune boundary with
// a note saying so.
const MarkdownLimit = 4096

// maxResponse is the most of an HTTP response body read (for error messages).
const maxResponse = 64 << 10

type robotBase struct {
	d   config.Delivery
	opt Options
}

func (b robotBase) target(Message) string {
	t := b.d.Kind + " via $" + b.d.Robot.URLEnv
	if b.d.Robot.BaseURL != "" {
		t += " at " + safeURL(b.d.Robot.BaseURL)
	}
	return t
}

// endpoint reads the webhook URL from the environment, registers it (and its key) as a
// secret and applies base_url.
func (b robotBase) endpoint(env func(string) (string, bool), red *redactor) (*url.URL, error) {
	raw, err := lookupEnv(env, b.d.Robot.URLEnv, "deliveries: "+b.d.Name+": url_env")
	if err != nil {
		return nil, err
	}
	red.addURL(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, permanentf("environment variable %s does not hold an http(s) URL", b.d.Robot.URLEnv)
	}
	if b.d.Robot.BaseURL != "" {
		base, _ := url.Parse(b.d.Robot.BaseURL) // checked when caseload.yaml was loaded
		u.Scheme, u.Host = base.Scheme, base.Host
		u.Path = strings.TrimSuffix(base.Path, "/") + u.Path
		u.RawPath = ""
		red.addURL(u.String())
	}
	return u, nil
}

func (b robotBase) secret(env func(string) (string, bool), red *redactor) (string, error) {
	if b.d.Robot.SecretEnv == "" {
		return "", nil
	}
	s, err := lookupEnv(env, b.d.Robot.SecretEnv, "deliveries: "+b.d.Name+": secret_env")
	if err == nil {
		red.add(s)
	}
	return s, err
}

// httpClient does not follow redirects (a POST must not turn into a GET elsewhere, and
// a Location header could lead the key to another host); the attempt's context is its
// timeout.
func httpClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// post sends body and classifies the HTTP status: 2xx succeeds, 429 and 5xx are transient,
// anything else permanent. It returns the response body (at most maxResponse bytes) and adds
// the bytes sent to *sent once the server has answered (a refused connection sent nothing).
func post(ctx context.Context, c *http.Client, u string, contentType string, body []byte, header http.Header, sent *int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "caseload")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	*sent += int64(len(body))
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return rb, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return rb, transientf("HTTP %s: %s", resp.Status, snippet(rb))
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return rb, permanentf("HTTP %s (redirects are not followed; is the URL right?)", resp.Status)
	}
	return rb, permanentf("HTTP %s: %s", resp.Status, snippet(rb))
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	return truncateUTF8(s, 300, "…")
}

// robotReply is the answer of WeCom and DingTalk robots.
type robotReply struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	MediaID string `json:"media_id"`
}

// checkReply turns a robot's non-zero errcode into an error; transient lists the codes
// that mean "busy, try later".
func checkReply(robot string, body []byte, transient ...int) (robotReply, error) {
	var r robotReply
	if err := json.Unmarshal(body, &r); err != nil {
		return r, permanentf("%s answered something that is not its JSON reply: %s", robot, snippet(body))
	}
	if r.ErrCode == 0 {
		return r, nil
	}
	for _, c := range transient {
		if r.ErrCode == c {
			return r, transientf("%s errcode %d: %s", robot, r.ErrCode, r.ErrMsg)
		}
	}
	return r, permanentf("%s errcode %d: %s", robot, r.ErrCode, r.ErrMsg)
}

// robotFiles is the file list of a robot message.
func robotFiles(msg Message) []fileLine {
	var out []fileLine
	for _, f := range msg.Files {
		out = append(out, fileLine{Name: filepath.Base(f.Path), Path: f.Path, Format: f.Format, Size: f.Size})
	}
	return out
}

// ---- WeCom (企业微信群机器人) ----

// WeCom error codes that mean "try later": -1 system busy, 45009 API frequency limit,
// 45033 too many concurrent calls.
var wecomTransient = []int{-1, 45009, 45033}

// wecomMinFile is WeCom's lower bound for an uploaded file (more than 5 bytes).
const wecomMinFile = 6

type wecomKind struct{ robotBase }

type wecomUpload struct {
	name    string
	data    []byte
	mediaID string
	sent    bool
}

type wecomJob struct {
	k        *wecomKind
	send     string
	upload   string
	markdown []byte
	textSent bool
	uploads  []*wecomUpload
	note     []string
}

func (j *wecomJob) notes() []string { return j.note }

func (k *wecomKind) prepare(ctx context.Context, msg Message, env func(string) (string, bool), red *redactor) (job, error) {
	u, err := k.endpoint(env, red)
	if err != nil {
		return nil, err
	}
	j := &wecomJob{k: k, send: u.String()}
	if !strings.HasSuffix(u.Path, "/send") {
		return nil, permanentf("the WeCom robot URL in %s should end in /cgi-bin/webhook/send?key=…", k.d.Robot.URLEnv)
	}
	up := *u
	up.Path = strings.TrimSuffix(u.Path, "send") + "upload_media"
	q := up.Query()
	q.Set("type", "file")
	up.RawQuery = q.Encode()
	j.upload = up.String()

	r := render(msg, k.d.Name, k.d.Kind, k.opt.Host, k.opt)
	r.Limit = k.d.Robot.MaxAttachmentBytes
	if msg.Type == TypeReport {
		r.Files = robotFiles(msg)
		files, err := filesOf(msg.Files, k.d.Robot.Attach, "attach")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			fl := fileLine{Name: AttachmentName("", msg, f.Format), Path: f.Path, Format: f.Format, Size: f.Size}
			if f.Size > k.d.Robot.MaxAttachmentBytes {
				r.LeftOut = append(r.LeftOut, fl)
				j.note = append(j.note, fmt.Sprintf("file %s (%s) is over max_attachment_mb (%s): not uploaded, the message says so", filepath.Base(f.Path), FormatSize(f.Size), FormatSize(k.d.Robot.MaxAttachmentBytes)))
				continue
			}
			data, err := os.ReadFile(f.Path)
			if err != nil {
				return nil, permanentf("attach: %v", err)
			}
			if len(data) < wecomMinFile {
				continue
			}
			j.uploads = append(j.uploads, &wecomUpload{name: fl.Name, data: data})
		}
	}
	if msg.Type == TypeTest {
		name, data := testAttachment(msg.en())
		j.uploads = append(j.uploads, &wecomUpload{name: name, data: data})
	}
	j.markdown, err = json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": r.markdown(MarkdownLimit)}})
	if err != nil {
		return nil, permanentf("wecom: %v", err)
	}
	return j, nil
}

// run uploads the files, posts the markdown, then one file message per file. Steps that
// succeeded in an earlier attempt are not repeated.
func (j *wecomJob) run(ctx context.Context) (int64, error) {
	c := httpClient()
	var n int64
	for _, up := range j.uploads {
		if up.mediaID != "" {
			continue
		}
		body, ctype, err := wecomMultipart(up.name, up.data)
		if err != nil {
			return n, err
		}
		rb, err := post(ctx, c, j.upload, ctype, body, nil, &n)
		if err != nil {
			return n, fmt.Errorf("wecom upload_media %s: %w", up.name, err)
		}
		r, err := checkReply("wecom upload_media", rb, wecomTransient...)
		if err != nil {
			return n, err
		}
		if r.MediaID == "" {
			return n, permanentf("wecom upload_media %s: no media_id in the reply", up.name)
		}
		up.mediaID = r.MediaID
	}
	if !j.textSent {
		if err := j.postMessage(ctx, c, j.markdown, &n); err != nil {
			return n, err
		}
		j.textSent = true
	}
	for _, up := range j.uploads {
		if up.sent {
			continue
		}
		body, _ := json.Marshal(map[string]any{"msgtype": "file", "file": map[string]string{"media_id": up.mediaID}})
		if err := j.postMessage(ctx, c, body, &n); err != nil {
			return n, fmt.Errorf("file message %s: %w", up.name, err)
		}
		up.sent = true
	}
	return n, nil
}

func (j *wecomJob) postMessage(ctx context.Context, c *http.Client, body []byte, n *int64) error {
	rb, err := post(ctx, c, j.send, "application/json; charset=utf-8", body, nil, n)
	if err != nil {
		return fmt.Errorf("wecom send: %w", err)
	}
	_, err = checkReply("wecom", rb, wecomTransient...)
	return err
}

// wecomMultipart is the upload_media body: one part named "media" with the file name and
// its length, as WeCom documents it.
func wecomMultipart(name string, data []byte) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename="%s"; filelength=%d`,
		strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(name), len(data)))
	h.Set("Content-Type", "application/octet-stream")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// ---- DingTalk (钉钉自定义机器人) ----

// DingTalk error codes that mean "try later": -1 system busy, 130101 sending too fast.
var dingtalkTransient = []int{-1, 130101}

type dingtalkKind struct{ robotBase }

type dingtalkJob struct {
	k      *dingtalkKind
	u      *url.URL
	secret string
	body   []byte
	red    *redactor
}

func (j *dingtalkJob) notes() []string { return nil }

func (k *dingtalkKind) prepare(ctx context.Context, msg Message, env func(string) (string, bool), red *redactor) (job, error) {
	u, err := k.endpoint(env, red)
	if err != nil {
		return nil, err
	}
	secret, err := k.secret(env, red)
	if err != nil {
		return nil, err
	}
	r := render(msg, k.d.Name, k.d.Kind, k.opt.Host, k.opt)
	if msg.Type == TypeReport {
		r.Files = robotFiles(msg) // DingTalk robots cannot send files: the paths are in the text
	}
	body, err := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{
		"title": r.Subject, "text": r.markdown(MarkdownLimit)}})
	if err != nil {
		return nil, permanentf("dingtalk: %v", err)
	}
	return &dingtalkJob{k: k, u: u, secret: secret, body: body, red: red}, nil
}

// DingTalkSign is the signature of a DingTalk robot request: base64 of HMAC-SHA256 over
// timestamp+"\n"+secret keyed with secret (the caller URL-escapes it into &sign=).
func DingTalkSign(timestampMillis int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (j *dingtalkJob) run(ctx context.Context) (int64, error) {
	u := *j.u
	if j.secret != "" {
		ts := j.k.opt.Now().UnixMilli()
		sign := DingTalkSign(ts, j.secret)
		j.red.add(sign)
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", sign)
		u.RawQuery = q.Encode()
		j.red.addURL(u.String())
	}
	var n int64
	rb, err := post(ctx, httpClient(), u.String(), "application/json; charset=utf-8", j.body, nil, &n)
	if err != nil {
		return n, fmt.Errorf("dingtalk send: %w", err)
	}
	_, err = checkReply("dingtalk", rb, dingtalkTransient...)
	return n, err
}

// ---- generic webhook ----

// SignatureHeader carries the webhook body's HMAC-SHA256 ("sha256=<hex>") when secret_env
// is set, as GitHub-style receivers expect.
const SignatureHeader = "X-Caseload-Signature-256"

type webhookKind struct{ robotBase }

// WebhookPayload is the JSON a webhook delivery posts.
type WebhookPayload struct {
	Source    string         `json:"source"` // "caseload"
	Version   string         `json:"version"`
	Type      MessageType    `json:"type"` // report | alert | recovered | test
	Office    string         `json:"office"`
	Lang      string         `json:"lang"`
	Period    *period.Period `json:"period,omitempty"` // label, kind, first_day, last_day
	Headlines []string       `json:"headlines,omitempty"`
	Files     []File         `json:"files,omitempty"`
	Run       *Run           `json:"run,omitempty"`
	Title     string         `json:"title"`
	Text      string         `json:"text"` // the markdown a robot would show
	Host      string         `json:"host"`
	SentAt    string         `json:"sent_at"` // RFC 3339 with the office offset
}

type webhookJob struct {
	u      string
	body   []byte
	header http.Header
}

func (j *webhookJob) notes() []string { return nil }

func (k *webhookKind) prepare(ctx context.Context, msg Message, env func(string) (string, bool), red *redactor) (job, error) {
	u, err := k.endpoint(env, red)
	if err != nil {
		return nil, err
	}
	secret, err := k.secret(env, red)
	if err != nil {
		return nil, err
	}
	r := render(msg, k.d.Name, k.d.Kind, k.opt.Host, k.opt)
	if msg.Type == TypeReport {
		r.Files = robotFiles(msg)
	}
	p := WebhookPayload{Source: "caseload", Version: k.opt.Version, Type: msg.Type, Office: msg.Office, Lang: msg.Lang,
		Headlines: msg.Headlines, Files: msg.Files, Run: msg.Run, Title: r.Subject, Text: r.markdown(0), Host: k.opt.Host,
		SentAt: msg.Time.In(k.opt.Location).Format(time.RFC3339)}
	if !msg.Period.IsZero() {
		pp := msg.Period
		p.Period = &pp
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, permanentf("webhook: %v", err)
	}
	h := http.Header{}
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		h.Set(SignatureHeader, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	return &webhookJob{u: u.String(), body: body, header: h}, nil
}

func (j *webhookJob) run(ctx context.Context) (int64, error) {
	var n int64
	if _, err := post(ctx, httpClient(), j.u, "application/json; charset=utf-8", j.body, j.header, &n); err != nil {
		return n, fmt.Errorf("webhook: %w", err)
	}
	return n, nil
}
