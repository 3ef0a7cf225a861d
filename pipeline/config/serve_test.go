package config

import (
	"strings"
	"testing"
	"time"
)

func TestServe(t *testing.T) {
	const base = "office: x\nitems: i.csv\n"
	c, err := Parse("/p/caseload.yaml", []byte(base+`serve:
  addr: 0.0.0.0:9000
  tls_cert: certs/s.pem
  tls_key: /etc/k.pem
  timeout: 30s
  max_queries: 2
  users:
    - name: ana
      password_hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
    - name: bi
      password_env: BI_PASSWORD
`))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Serve
	if s.Addr != "0.0.0.0:9000" || s.TLSCert != "/p/certs/s.pem" || s.TLSKey != "/etc/k.pem" || s.Timeout != 30*time.Second ||
		s.MaxQueries != 2 || len(s.Users) != 2 || s.Users[1].PasswordEnv != "BI_PASSWORD" || s.Users[0].Line != 10 {
		t.Errorf("%+v", s)
	}
	c, _ = Parse("/p/caseload.yaml", []byte(base))
	if c.Serve.Addr != DefaultServeAddr || c.Serve.Timeout != 5*time.Minute || c.Serve.MaxQueries != 4 {
		t.Errorf("defaults: %+v", c.Serve)
	}
	for _, x := range []struct{ yaml, want string }{
		{"serve:\n  adr: x\n", "caseload.yaml:4: serve.adr: unknown key; expected one of: addr,"},
		{"serve:\n  addr: localhost\n", `serve.addr: "localhost" is not host:port`},
		{"serve:\n  tls_cert: a.pem\n", "serve.tls_key: missing: give both tls_cert and tls_key"},
		{"serve:\n  timeout: soon\n", `serve.timeout: "soon" is not a duration`},
		{"serve:\n  max_queries: 0\n", "serve.max_queries: expected a whole number from 1 to 256"},
		{"serve:\n  users:\n    - name: a\n      password: secret\n", "caseload.yaml:6: serve.users[0].password: unknown key; expected one of: name, password_hash, password_env"},
		{"serve:\n  users:\n    - name: a\n", "caseload.yaml:5: serve.users[0]: missing password_hash"},
		{"serve:\n  users:\n    - name: a\n      password_hash: secret\n", "caseload.yaml:6: serve.users[0].password_hash: not a bcrypt hash"},
		{"serve:\n  users:\n    - name: a\n      password_env: 1X\n", `serve.users[0].password_env: "1X" is not an environment variable name`},
		{"serve:\n  users:\n    - name: a b\n      password_env: X\n", "serve.users[0].name: expected a unique user name"},
		{"serve:\n  users:\n    - {name: a, password_env: X}\n    - {name: a, password_env: Y}\n", "caseload.yaml:6: serve.users[1].name: expected a unique"},
	} {
		_, err := Parse("/p/caseload.yaml", []byte(base+x.yaml))
		if err == nil || !strings.Contains(err.Error(), x.want) {
			t.Errorf("%q: %v, want %q", x.yaml, err, x.want)
		}
	}
}
