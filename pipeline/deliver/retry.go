package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"syscall"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/caseload/caseload/pipeline/config"
)

// maxBackoff caps the doubling delay between attempts.
const maxBackoff = time.Hour

type sender struct {
	d   config.Delivery
	opt Options
	k   kind
}

// Send implements Sender: prepare once, then attempt until success, a permanent failure or
// the retries run out. Every attempt becomes an Attempt; every error text is redacted.
func (s *sender) Send(ctx context.Context, msg Message) (Result, error) {
	if msg.Time.IsZero() {
		msg.Time = s.opt.Now()
	}
	if msg.Lang != "en" {
		msg.Lang = "zh"
	}
	red := &redactor{}
	res := Result{Delivery: s.d.Name, Kind: s.d.Kind, Target: s.k.target(msg), Message: msg.Type, Period: msg.Period.Label}
	log := s.opt.Logger.With("delivery", s.d.Name, "kind", s.d.Kind)

	started := s.opt.Now()
	j, err := s.k.prepare(ctx, msg, s.opt.Getenv, red)
	if err != nil {
		text := red.text(err)
		res.Attempts = append(res.Attempts, Attempt{Attempt: 1, Status: StatusFailed, Error: text, StartedAt: started, FinishedAt: s.opt.Now()})
		res.Status, res.Error = StatusFailed, text
		log.Error("delivery failed", "attempt", 1, "error", text)
		return res, &Error{Delivery: s.d.Name, Msg: text}
	}
	backoff := s.d.RetryBackoff
	if backoff <= 0 {
		backoff = config.DefaultRetryBackoff
	}
	for n := 1; ; n++ {
		a := Attempt{Attempt: n, StartedAt: s.opt.Now()}
		actx, cancel := ctx, context.CancelFunc(func() {})
		if s.d.Timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, s.d.Timeout)
		}
		bytes, err := j.run(actx)
		cancel()
		a.FinishedAt, a.Bytes = s.opt.Now(), bytes
		res.Bytes += bytes
		if err == nil {
			a.Status = StatusSucceeded
			res.Attempts = append(res.Attempts, a)
			res.Status = StatusSucceeded
			res.Notes = j.notes()
			log.Info("delivered", "attempt", n, "bytes", bytes, "target", res.Target)
			return res, nil
		}
		transient := ctx.Err() == nil && isTransient(err)
		a.Error = red.text(err)
		if transient && n <= s.d.Retries {
			a.Status = StatusRetrying
			res.Attempts = append(res.Attempts, a)
			wait := backoff << (n - 1)
			if wait > maxBackoff || wait <= 0 {
				wait = maxBackoff
			}
			log.Warn("delivery attempt failed; retrying", "attempt", n, "retry_in", wait.String(), "error", a.Error)
			if serr := s.opt.Sleep(ctx, wait); serr != nil {
				last := &res.Attempts[len(res.Attempts)-1]
				last.Status = StatusFailed
				last.Error += fmt.Sprintf(" (not retried: %v)", serr)
				res.Status, res.Error, res.Notes = StatusFailed, last.Error, j.notes()
				log.Error("delivery failed", "attempt", n, "error", last.Error)
				return res, &Error{Delivery: s.d.Name, Msg: last.Error, Transient: true}
			}
			continue
		}
		a.Status = StatusFailed
		res.Attempts = append(res.Attempts, a)
		res.Status, res.Error, res.Notes = StatusFailed, a.Error, j.notes()
		if transient && n > 1 {
			res.Error = fmt.Sprintf("%s (after %d attempts)", a.Error, n)
		}
		log.Error("delivery failed", "attempt", n, "error", a.Error)
		return res, &Error{Delivery: s.d.Name, Msg: res.Error, Transient: transient}
	}
}

// classified marks an error as transient or permanent explicitly (HTTP status codes,
// robot error codes, missing mounts…).
type classified struct {
	err       error
	transient bool
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

func transientf(format string, args ...any) error {
	return &classified{fmt.Errorf(format, args...), true}
}

func permanentf(format string, args ...any) error {
	return &classified{fmt.Errorf(format, args...), false}
}

// isTransient reports whether a failed attempt may succeed if tried again.
func isTransient(err error) bool {
	var c *classified
	if errors.As(err, &c) {
		return c.transient
	}
	// TLS: a certificate the system does not trust will not become trusted in 30 s.
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) {
		return false
	}
	// SMTP replies: 4xx temporary, 5xx permanent.
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 400 && tp.Code < 500
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if se.IsTemp() {
			return true
		}
		if code := se.ErrorCode(); code != 0 {
			return code >= 400 && code < 500
		}
		// No reply code: the connection broke during the conversation.
		switch se.Reason {
		case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrWriteContent,
			mail.ErrSMTPDataClose, mail.ErrConnCheck, mail.ErrSMTPReset:
			return true
		}
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // the attempt's own timeout
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN, syscall.EHOSTDOWN, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EAGAIN, syscall.EIO, syscall.ESTALE, syscall.ENOTCONN, io.EOF, io.ErrUnexpectedEOF} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
