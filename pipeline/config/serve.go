package config

import (
	"fmt"
	"net"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
)

// Serve configures `caseload serve --flight` (SPEC §9): the address, TLS, the accounts of
// the analysts' tools, and per-query limits.
//
//	serve:
//	  addr: 127.0.0.1:32010        # default; --flight ADDR overrides
//	  tls_cert: certs/server.pem   # both or neither
//	  tls_key: certs/server.key
//	  timeout: 5m                  # per query (default 5m, as caseload sql)
//	  max_queries: 4               # queries running at once; more wait (default 4)
//	  users:
//	    - name: analyst
//	      password_hash: "$2a$10$…"   # bcrypt (htpasswd -nbB, or caseload serve --hash-password)
//	    - name: bi
//	      password_env: CASELOAD_BI_PASSWORD   # the password itself, from the environment
type Serve struct {
	Addr       string
	TLSCert    string // absolute; "" = no TLS
	TLSKey     string
	Timeout    time.Duration
	MaxQueries int
	Users      []ServeUser
}

// ServeUser is one account.
type ServeUser struct {
	Name         string
	PasswordHash string // bcrypt hash, or ""
	PasswordEnv  string // environment variable holding the password, or ""
	Line         int    // where the account is in the file (for messages at start-up)
}

// DefaultServeAddr is where `caseload serve --flight` listens unless told otherwise:
// loopback only.
const DefaultServeAddr = "127.0.0.1:32010"

var serveKeys = []string{"addr", "tls_cert", "tls_key", "timeout", "max_queries", "users"}

func defaultServe() Serve {
	return Serve{Addr: DefaultServeAddr, Timeout: 5 * time.Minute, MaxQueries: 4}
}

func (p *parser) serve(c *Config, n *yaml.Node) error {
	vals, _, err := p.mapping(n, "serve", serveKeys)
	if err != nil {
		return err
	}
	s := &c.Serve
	if m := vals["addr"]; m != nil {
		if s.Addr, err = p.str(m, "serve.addr"); err != nil {
			return err
		}
		if _, port, err := net.SplitHostPort(s.Addr); err != nil || port == "" {
			return p.errf(m, "serve.addr", "%q is not host:port, e.g. 127.0.0.1:32010 or 0.0.0.0:32010", s.Addr)
		}
	}
	for key, dst := range map[string]*string{"tls_cert": &s.TLSCert, "tls_key": &s.TLSKey} {
		if m := vals[key]; m != nil {
			if *dst, err = p.path(m, "serve."+key, c.Dir); err != nil {
				return err
			}
		}
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		key := "serve.tls_key"
		if s.TLSCert == "" {
			key = "serve.tls_cert"
		}
		return p.errf(n, key, "missing: give both tls_cert and tls_key (PEM files), or neither")
	}
	if m := vals["timeout"]; m != nil {
		v, err := p.str(m, "serve.timeout")
		if err != nil {
			return err
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return p.errf(m, "serve.timeout", "%q is not a duration like 30s, 5m or 1h", v)
		}
		s.Timeout = d
	}
	if m := vals["max_queries"]; m != nil {
		if err := m.Decode(&s.MaxQueries); err != nil || s.MaxQueries < 1 || s.MaxQueries > 256 {
			return p.errf(m, "serve.max_queries", "expected a whole number from 1 to 256")
		}
	}
	if m := vals["users"]; m != nil {
		if err := p.serveUsers(s, m); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) serveUsers(s *Serve, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "serve.users", "expected a list of accounts, each with name and password_hash or password_env")
	}
	seen := map[string]bool{}
	for i, un := range n.Content {
		where := fmt.Sprintf("serve.users[%d]", i)
		vals, _, err := p.mapping(un, where, []string{"name", "password_hash", "password_env"})
		if err != nil {
			return err
		}
		u := ServeUser{Line: un.Line}
		if vals["name"] == nil {
			return p.errf(un, where+".name", "missing required key")
		}
		if u.Name, err = p.str(vals["name"], where+".name"); err != nil {
			return err
		}
		if u.Name == "" || strings.ContainsAny(u.Name, ": \t") || seen[u.Name] {
			return p.errf(vals["name"], where+".name", "expected a unique user name without spaces or ':'")
		}
		seen[u.Name] = true
		hash, env := vals["password_hash"], vals["password_env"]
		switch {
		case hash != nil && env != nil:
			return p.errf(env, where+".password_env", "give password_hash or password_env, not both")
		case hash == nil && env == nil:
			return p.errf(un, where, "missing password_hash (a bcrypt hash) or password_env (the name of an environment variable holding the password); a password itself never goes in this file")
		case hash != nil:
			if u.PasswordHash, err = p.str(hash, where+".password_hash"); err != nil {
				return err
			}
			if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
				return p.errf(hash, where+".password_hash", "not a bcrypt hash ($2a$/$2b$/$2y$…); make one with `caseload serve --hash-password`")
			}
		default:
			if u.PasswordEnv, err = p.str(env, where+".password_env"); err != nil {
				return err
			}
			if !envName.MatchString(u.PasswordEnv) {
				return p.errf(env, where+".password_env", "%q is not an environment variable name", u.PasswordEnv)
			}
		}
		s.Users = append(s.Users, u)
	}
	return nil
}
