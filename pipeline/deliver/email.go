package deliver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	mail "github.com/wneessen/go-mail"

	"github.com/caseload/caseload/pipeline/config"
)

type emailKind struct {
	d   config.Delivery
	opt Options
}

func (k *emailKind) target(Message) string {
	s := k.d.Email.SMTP
	rcpts := append(append(append([]string(nil), k.d.Email.To...), k.d.Email.Cc...), k.d.Email.Bcc...)
	return fmt.Sprintf("smtp://%s (%s) to %s", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), s.TLS, strings.Join(rcpts, ", "))
}

type emailJob struct {
	k      *emailKind
	m      *mail.Msg
	size   int64
	note   []string
	client []mail.Option
	tls    *tls.Config
}

func (j *emailJob) notes() []string { return j.note }

func (k *emailKind) prepare(ctx context.Context, msg Message, env func(string) (string, bool), red *redactor) (job, error) {
	e := k.d.Email
	j := &emailJob{k: k}
	var password string
	if e.SMTP.Username != "" {
		var err error
		password, err = lookupEnv(env, e.SMTP.PasswordEnv, "deliveries: "+k.d.Name+": smtp.password_env")
		if err != nil {
			return nil, err
		}
		red.add(password)
	}
	tc := &tls.Config{ServerName: e.SMTP.Host, MinVersion: tls.VersionTLS12}
	if e.SMTP.CAFile != "" {
		pem, err := os.ReadFile(e.SMTP.CAFile)
		if err != nil {
			return nil, permanentf("smtp.ca_file: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, permanentf("smtp.ca_file %s: no PEM certificate in it", e.SMTP.CAFile)
		}
		tc.RootCAs = pool
	}
	j.tls = tc

	r := render(msg, k.d.Name, k.d.Kind, k.opt.Host, k.opt)
	r.Limit = e.MaxAttachmentBytes
	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingB64), mail.WithNoDefaultUserAgent())
	if err := m.From(e.From); err != nil {
		return nil, permanentf("from %q: %v", e.From, err)
	}
	if err := m.To(e.To...); err != nil {
		return nil, permanentf("to: %v", err)
	}
	if len(e.Cc) > 0 {
		if err := m.Cc(e.Cc...); err != nil {
			return nil, permanentf("cc: %v", err)
		}
	}
	if len(e.Bcc) > 0 {
		if err := m.Bcc(e.Bcc...); err != nil {
			return nil, permanentf("bcc: %v", err)
		}
	}
	m.SetGenHeaderPreformatted(mail.HeaderSubject, encodeHeader(r.Subject))
	m.SetDateWithValue(msg.Time)
	m.SetMessageID()
	m.SetUserAgent("caseload " + k.opt.Version)
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	if msg.Type == TypeAlert {
		m.SetImportance(mail.ImportanceHigh)
	}

	// Attachments: the configured formats of the run's files; a file over the limit is
	// left out and the body says so.
	type att struct {
		name, ctype string
		data        []byte
	}
	var atts []att
	if msg.Type == TypeReport {
		files, err := filesOf(msg.Files, e.Attach, "attach")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			format := f.Format
			fl := fileLine{Name: AttachmentName(e.AttachName, msg, format), Path: f.Path, Format: format, Size: f.Size}
			if f.Size > e.MaxAttachmentBytes {
				r.LeftOut = append(r.LeftOut, fl)
				j.note = append(j.note, fmt.Sprintf("attachment %s (%s) is over max_attachment_mb (%s): left out, the body says so", filepath.Base(f.Path), FormatSize(f.Size), FormatSize(e.MaxAttachmentBytes)))
				continue
			}
			data, err := os.ReadFile(f.Path)
			if err != nil {
				return nil, permanentf("attachment: %v", err)
			}
			fl.Size = int64(len(data))
			r.Attached = append(r.Attached, fl)
			atts = append(atts, att{fl.Name, contentType(format), data})
		}
		for _, f := range msg.Files {
			r.Files = append(r.Files, fileLine{Name: filepath.Base(f.Path), Path: f.Path, Format: f.Format, Size: f.Size})
		}
	}
	if msg.Type == TypeTest {
		name, data := testAttachment(msg.en())
		r.Attached = append(r.Attached, fileLine{Name: name, Size: int64(len(data))})
		atts = append(atts, att{name, "text/plain; charset=UTF-8", data})
	}
	m.SetBodyString(mail.TypeTextPlain, r.plain())
	var hb bytes.Buffer
	if err := emailHTML.Execute(&hb, r); err != nil {
		return nil, permanentf("email html: %v", err)
	}
	m.AddAlternativeString(mail.TypeTextHTML, hb.String())
	for _, a := range atts {
		ct, cd := attachmentHeaders(a.name, a.ctype)
		m.AttachReadSeeker(a.name, bytes.NewReader(a.data), func(f *mail.File) {
			f.Header.Set("Content-Type", ct)
			f.Header.Set("Content-Disposition", cd)
		})
	}
	n, err := m.WriteTo(io.Discard)
	if err != nil {
		return nil, permanentf("compose: %v", err)
	}
	j.m, j.size = m, n

	s := e.SMTP
	timeout := k.d.Timeout
	if timeout <= 0 {
		timeout = config.DefaultEmailTimeout
	}
	j.client = []mail.Option{mail.WithTimeout(timeout), mail.WithTLSConfig(tc)}
	switch s.TLS {
	case "ssl":
		j.client = append(j.client, mail.WithSSL())
	case "none":
		j.client = append(j.client, mail.WithTLSPolicy(mail.NoTLS))
	default:
		j.client = append(j.client, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.Username != "" {
		j.client = append(j.client, mail.WithUsername(s.Username), mail.WithPassword(password))
		switch s.Auth {
		case "plain":
			j.client = append(j.client, mail.WithSMTPAuth(mail.SMTPAuthPlain))
		case "login":
			j.client = append(j.client, mail.WithSMTPAuth(mail.SMTPAuthLogin))
		default:
			j.client = append(j.client, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin))
		}
	}
	if s.HELO != "" {
		j.client = append(j.client, mail.WithHELO(s.HELO))
	}
	j.client = append(j.client, mail.WithPort(s.Port))
	return j, nil
}

// run is one SMTP session. The connection is closed as soon as ctx ends (go-mail only
// watches the context while dialling).
func (j *emailJob) run(ctx context.Context) (int64, error) {
	s := j.k.d.Email.SMTP
	ssl := s.TLS == "ssl"
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var c net.Conn
		var err error
		if ssl {
			c, err = (&tls.Dialer{NetDialer: d, Config: j.tls}).DialContext(dctx, network, addr)
		} else {
			c, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { c.Close() })
		return c, nil
	}
	opts := append(append([]mail.Option(nil), j.client...), mail.WithDialContextFunc(dial))
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return 0, permanentf("smtp client: %v", err)
	}
	err = c.DialAndSendWithContext(ctx, j.m)
	if j.m.IsDelivered() {
		// The server took the message; a failure after that (RSET, QUIT) must not send it again.
		return j.size, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return 0, err
	}
	return j.size, nil
}

// filesOf picks the run's file of each of formats, in that order. setting is the delivery's
// setting that asked for them (attach, formats): formats the run wrote no file for are a
// permanent error that names them all.
func filesOf(files []File, formats []string, setting string) ([]File, error) {
	var out []File
	var missing []string
	for _, format := range formats {
		i := slices.IndexFunc(files, func(f File) bool { return f.Format == format })
		if i < 0 {
			missing = append(missing, format)
			continue
		}
		out = append(out, files[i])
	}
	if len(missing) > 0 {
		return nil, permanentf("%[1]s: the run wrote no %[2]s file (add it to the job's formats, or remove it from %[1]s)", setting, strings.Join(missing, ", "))
	}
	return out, nil
}

func contentType(format string) string {
	switch format {
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "pdf":
		return "application/pdf"
	case "html":
		return "text/html; charset=UTF-8"
	case "json":
		return "application/json"
	}
	return "application/octet-stream"
}

// AttachmentName is the file name readers see for a report file of msg: the pattern
// (attach_name) with {office}, {period} (2022-10) and {period_name} (2022年10月 /
// October 2022), or by default "{office}{period_name}统计报表" in Chinese and
// "{office} report {period}" in English, plus the format's extension. Characters file
// systems refuse become '-'.
func AttachmentName(pattern string, msg Message, format string) string {
	if pattern == "" {
		pattern = "{office}{period_name}统计报表"
		if msg.en() {
			pattern = "{office} report {period}"
		}
	}
	name := strings.NewReplacer("{office}", msg.Office, "{period}", msg.Period.Label,
		"{period_name}", periodName(msg.Period, msg.en())).Replace(pattern)
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return -1
		case strings.ContainsRune(`/\:*?"<>|`, r):
			return '-'
		}
		return r
	}, strings.TrimSpace(name))
	return name + "." + format
}

// attachmentHeaders are the Content-Type and Content-Disposition of an attachment, with
// the file name in both forms mail clients read: RFC 2047 encoded-words (Outlook,
// Foxmail, QQ Mail — QQ Mail shows an RFC 2231-only name as tcmime.*.bin) and RFC 2231
// (Thunderbird, Apple Mail, Python). Parameters are folded onto their own lines.
func attachmentHeaders(name, ctype string) (ct, cd string) {
	enc := mime.BEncoding.Encode("UTF-8", name)
	ct = fmt.Sprintf("%s;\r\n name=\"%s\"", ctype, enc)
	cd = fmt.Sprintf("attachment;\r\n filename=\"%s\";\r\n filename*=UTF-8''%s", enc, rfc2231Escape(name))
	return ct, cd
}

// encodeHeader encodes an unstructured header value (a subject) as RFC 2047 B words of at
// most 42 bytes of UTF-8 each, split at rune boundaries, one per line: the first word
// shares the line with the field name (folding right after "Subject:" makes some readers
// show a leading space), and no line passes 78 characters. ASCII text is left as it is.
func encodeHeader(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	const maxBytes = 42 // base64 of 42 bytes is 56 characters; with =?UTF-8?B?…?= 68
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > maxBytes {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// rfc2231Escape percent-encodes everything but RFC 2231's attribute-char.
func rfc2231Escape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', strings.IndexByte("!#$&+-.^_`|~", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// testAttachment is the small file a test email carries, so that IT staff see whether
// their mail client shows Chinese attachment names.
func testAttachment(en bool) (string, []byte) {
	if en {
		return "caseload test attachment 测试附件.txt", []byte("caseload test attachment. If its name shows Chinese characters correctly (测试附件), your mail client reads caseload's attachment names.\r\n")
	}
	return "caseload测试附件（中文文件名）.txt", []byte("caseload 测试附件：如果本附件的文件名显示为“caseload测试附件（中文文件名）.txt”，说明邮件客户端能正确显示中文附件名。\r\n")
}

var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;font-size:14px;line-height:1.7;color:#222">
<p>{{if .En}}Hello,{{else}}您好！{{end}}</p>
<p>{{.Intro}}</p>
{{if .Headlines}}<ul>{{range .Headlines}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Facts}}<table style="border-collapse:collapse">{{range .Facts}}<tr><td style="padding:2px 12px 2px 0;color:#666;white-space:nowrap;vertical-align:top">{{index . 0}}</td><td style="padding:2px 0">{{index . 1}}</td></tr>{{end}}</table>{{end}}
{{if .Attached}}<p><b>{{if .En}}Attached{{else}}附件{{end}}</b></p><ul>{{range .Attached}}<li>{{$.FileDesc .}}</li>{{end}}</ul>{{end}}
{{if .LeftOut}}<p><b>{{if .En}}Not attached{{else}}未附上的文件{{end}}</b></p><ul>{{range .LeftOut}}<li>{{$.LeftOutDesc .}}</li>{{end}}</ul>{{end}}
{{if .Files}}<p><b>{{if .En}}The files on the caseload machine{{else}}文件位置（caseload 所在主机）{{end}}</b></p><ul>{{range .Files}}<li><code>{{.Path}}</code></li>{{end}}</ul>{{end}}
<p style="color:#888;font-size:12px">{{.Footer}}</p>
</body></html>
`))

// En, FileDesc and LeftOutDesc serve the HTML template.
func (r rendered) En() bool                      { return r.en }
func (r rendered) FileDesc(f fileLine) string    { return r.fileDesc(f) }
func (r rendered) LeftOutDesc(f fileLine) string { return r.leftOutDesc(f) }

// Text is the subject and plain-text body of msg as an email carries them (without
// attachments): for TypeAlert and TypeRecovered the short alert text of SPEC §11 (job,
// period, status, error, run, how to see it).
func Text(msg Message, opt Options) (subject, body string) {
	opt = opt.withDefaults()
	if msg.Time.IsZero() {
		msg.Time = opt.Now()
	}
	r := render(msg, "", "", opt.Host, opt)
	return r.Subject, r.plain()
}
