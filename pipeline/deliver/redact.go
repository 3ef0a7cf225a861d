package deliver

import (
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// redacted replaces a secret in any text caseload shows or records.
const redacted = "[REDACTED]"

// redactor knows the secrets of one send and removes them, in every form they may take in
// an error (as given, URL-escaped, base64), from any text.
type redactor struct {
	secrets []string
}

// add registers a secret. Very short values are not registered on their own (replacing
// "a" everywhere would garble text without protecting anything); they are still removed
// as part of the longer forms they appear in.
func (r *redactor) add(s string) {
	if len(s) < 4 {
		return
	}
	for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s), base64.StdEncoding.EncodeToString([]byte(s)),
		base64.URLEncoding.EncodeToString([]byte(s)), strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s)), "=")} {
		if f != "" && !slices.Contains(r.secrets, f) {
			r.secrets = append(r.secrets, f)
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// addURL registers a webhook URL: the whole URL, every query value (keys, tokens,
// signatures) and every path segment that looks like a token (16+ characters), since
// generic webhooks often carry the key in the path.
func (r *redactor) addURL(raw string) {
	r.add(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	r.add(u.String())
	r.add(u.RawQuery)
	for _, vs := range u.Query() {
		for _, v := range vs {
			r.add(v)
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 16 {
			r.add(seg)
		}
	}
	if u.User != nil {
		r.add(u.User.String())
		if p, ok := u.User.Password(); ok {
			r.add(p)
		}
	}
}

// text is err's message with every secret replaced. A *url.Error (net/http puts the whole
// request URL, key included, into its text) is first reduced to its operation and cause.
func (r *redactor) text(err error) string {
	if err == nil {
		return ""
	}
	var ue *url.Error
	msg := err.Error()
	if errors.As(err, &ue) && ue.Err != nil {
		msg = strings.Replace(msg, ue.Error(), ue.Op+" "+safeURL(ue.URL)+": "+ue.Err.Error(), 1)
	}
	return r.string(msg)
}

func (r *redactor) string(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// safeURL is a URL reduced to scheme and host: what a log line or a recorded target may
// show of a webhook address.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(url)"
	}
	return u.Scheme + "://" + u.Host
}
