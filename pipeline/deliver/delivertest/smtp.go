// Package delivertest gives tests a real SMTP server on loopback (emersion/go-smtp) and an
// independent reading of what it received (Python's email package and openpyxl).
package delivertest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the server accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
	Auth string // the mechanism and user that authenticated ("PLAIN stats"), "" if none
}

// SMTPOptions configure the test server.
type SMTPOptions struct {
	// User and Pass, when set, make AUTH required; PLAIN and LOGIN are offered.
	User, Pass string
	// TLS: "" plain, "starttls" (offers STARTTLS), "ssl" (implicit TLS).
	TLS string
	// FailSessions sessions (counted from the first) answer MAIL FROM with FailCode.
	FailSessions int
	FailCode     int
	// Addr to listen on; "" = 127.0.0.1:0.
	Addr string
}

// SMTPServer is a running test server.
type SMTPServer struct {
	Host     string
	Port     int
	CAFile   string // PEM of the server's self-signed certificate (TLS modes)
	opt      SMTPOptions
	srv      *smtp.Server
	mu       sync.Mutex
	mails    []Mail
	sessions int
}

// StartSMTP starts a server; it stops when the test ends.
func StartSMTP(t testing.TB, opt SMTPOptions) *SMTPServer {
	t.Helper()
	s := &SMTPServer{opt: opt}
	addr := opt.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 64 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0) // e.g. a client refusing the test certificate
	if opt.TLS != "" {
		cert, caFile := selfSigned(t)
		s.CAFile = caFile
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if opt.TLS == "ssl" {
			l = tls.NewListener(l, srv.TLSConfig)
		}
	}
	s.srv = srv
	host, port, _ := net.SplitHostPort(l.Addr().String())
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Mails returns the messages accepted so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Sessions is the number of connections the server has had.
func (s *SMTPServer) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// FreeAddr returns a loopback address nothing listens on (connections are refused).
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// NewSession implements smtp.Backend.
func (s *SMTPServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	n := s.sessions
	s.mu.Unlock()
	return &session{s: s, fail: n <= s.opt.FailSessions}, nil
}

type session struct {
	s    *SMTPServer
	fail bool
	auth string
	m    Mail
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opt.User == "" {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != ss.s.opt.User || pass != ss.s.opt.Pass {
			return smtp.ErrAuthFailed
		}
		ss.auth = mech + " " + user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.fail {
		code := ss.s.opt.FailCode
		if code == 0 {
			code = 421
		}
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 3, 0}, Message: "test server says no"}
	}
	if ss.s.opt.User != "" && ss.auth == "" {
		return smtp.ErrAuthRequired
	}
	ss.m = Mail{From: from, Auth: ss.auth}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.m.To = append(ss.m.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.m.Data = b
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, ss.m)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        {}
func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl has only the client).
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if resp != nil { // initial response: the user name
			l.user, l.step = string(resp), 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 2:
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, false, errors.New("unexpected AUTH LOGIN step")
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and writes it as a CA file.
func selfSigned(t testing.TB) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "caseload test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var pemBuf bytes.Buffer
	pem.Encode(&pemBuf, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemBuf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}
