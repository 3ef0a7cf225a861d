package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Delivery kinds (SPEC §11).
const (
	KindEmail    = "email"
	KindFolder   = "folder"
	KindWeCom    = "wecom"
	KindDingTalk = "dingtalk"
	KindWebhook  = "webhook"
)

// DeliveryKinds are the accepted `kind:` values.
var DeliveryKinds = []string{KindEmail, KindFolder, KindWeCom, KindDingTalk, KindWebhook}

// Delivery defaults.
const (
	DefaultDeliveryRetries = 3
	DefaultRetryBackoff    = 30 * time.Second
	DefaultMaxAttachmentMB = 20
	DefaultEmailTimeout    = 5 * time.Minute
	DefaultHTTPTimeout     = time.Minute
	DefaultFolderTimeout   = 10 * time.Minute
	maxDeliveryRetries     = 20
	maxAttachmentMBLimit   = 1024
)

// Delivery is one named target of `deliveries:` (SPEC §11). Exactly one of Email, Folder
// and Robot is set, by Kind. Secrets are never here: only the names of the environment
// variables that hold them (the *Env fields), read when a message is sent.
type Delivery struct {
	Name         string
	Kind         string // email | folder | wecom | dingtalk | webhook
	Line         int    // line of the entry in caseload.yaml (for messages)
	Retries      int    // extra attempts after a transient failure; default 3
	RetryBackoff time.Duration
	Timeout      time.Duration // per attempt

	Email  *EmailDelivery
	Folder *FolderDelivery
	Robot  *RobotDelivery // wecom, dingtalk, webhook
}

// EmailDelivery is an email target.
type EmailDelivery struct {
	SMTP SMTP
	From string   // RFC 5322 address, display name allowed: 示范县侨办数据统计 <stats@example.gov.cn>
	To   []string // at least one
	Cc   []string
	Bcc  []string
	// Attach lists the report formats attached (default xlsx, pdf).
	Attach []string
	// MaxAttachmentBytes: a file larger than this is left out and the body says so.
	MaxAttachmentBytes int64
	// AttachName is the attachment file name pattern without extension: {office},
	// {period} (2022-10) and {period_name} (2022年10月 / October 2022). "" = the default
	// of the message language.
	AttachName string
}

// SMTP is the mail server of an email delivery.
type SMTP struct {
	Host        string
	Port        int    // default by TLS: ssl 465, starttls 587, none 25
	TLS         string // ssl | starttls | none; default starttls
	Username    string // "" = no authentication
	PasswordEnv string // environment variable holding the password
	Auth        string // auto | plain | login; default auto (PLAIN, else LOGIN, else the server's best)
	CAFile      string // PEM file of extra trusted CAs (intranet servers); absolute
	HELO        string // name sent in EHLO; default the host name
}

// FolderDelivery copies report files into a (network) folder.
type FolderDelivery struct {
	Path    string   // absolute pattern, may contain {period}
	Keep    int      // period folders kept (0 = all); needs {period} in the last path element
	Formats []string // report formats copied; nil = every file of the run
}

// RobotDelivery is a WeCom or DingTalk group robot, or a generic JSON webhook.
type RobotDelivery struct {
	URLEnv    string // environment variable holding the full webhook URL (key included)
	SecretEnv string // dingtalk: signing secret; webhook: HMAC-SHA256 body signature
	// BaseURL replaces the scheme, host and port of the URL (its path is put in front of
	// the URL's path), for intranet gateways; "" = the URL as given.
	BaseURL string
	// Attach lists the report formats sent as file messages (wecom only; default xlsx).
	Attach             []string
	MaxAttachmentBytes int64
}

var commonDeliveryKeys = []string{"name", "kind", "retries", "retry_backoff", "timeout"}

var deliveryKeys = map[string][]string{
	KindEmail:    {"smtp", "from", "to", "cc", "bcc", "attach", "max_attachment_mb", "attach_name"},
	KindFolder:   {"path", "keep", "formats"},
	KindWeCom:    {"url_env", "base_url", "attach", "max_attachment_mb"},
	KindDingTalk: {"url_env", "secret_env", "base_url"},
	KindWebhook:  {"url_env", "secret_env"},
}

var smtpKeys = []string{"host", "port", "tls", "username", "password_env", "auth", "ca_file", "helo"}

// SMTPTLSModes are the accepted smtp.tls values.
var SMTPTLSModes = []string{"ssl", "starttls", "none"}

var smtpAuthModes = []string{"auto", "plain", "login"}

// secretKeys are keys people write when they mean the *_env form: the error says where
// secrets go instead of only "unknown key".
var secretKeys = map[string]string{
	"password": "password_env", "url": "url_env", "webhook": "url_env", "key": "url_env",
	"token": "url_env", "access_token": "url_env", "secret": "secret_env",
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Delivery returns the delivery named name.
func (c *Config) Delivery(name string) (*Delivery, bool) {
	for i := range c.Deliveries {
		if c.Deliveries[i].Name == name {
			return &c.Deliveries[i], true
		}
	}
	return nil, false
}

// DeliveriesNamed returns the deliveries with the given names, in that order (a job's
// deliver: list, or Alerts); unknown names are skipped (the config check refuses them).
func (c *Config) DeliveriesNamed(names []string) []Delivery {
	var out []Delivery
	for _, n := range names {
		if d, ok := c.Delivery(n); ok {
			out = append(out, *d)
		}
	}
	return out
}

// DeliveryNames lists the configured delivery names in file order.
func (c *Config) DeliveryNames() []string {
	out := make([]string, 0, len(c.Deliveries))
	for _, d := range c.Deliveries {
		out = append(out, d.Name)
	}
	return out
}

// CheckDeliveryNames checks that every name is a configured delivery (for `deliver --to`
// and anything that names deliveries outside caseload.yaml). The error lists the known names.
func (c *Config) CheckDeliveryNames(names []string) error {
	for _, n := range names {
		if _, ok := c.Delivery(n); !ok {
			return fmt.Errorf("no delivery named %q; %s", n, c.knownDeliveries())
		}
	}
	return nil
}

func (c *Config) knownDeliveries() string {
	if len(c.Deliveries) == 0 {
		return "caseload.yaml defines no deliveries: (see the README, \"Delivery\")"
	}
	return "defined in " + filepath.Base(c.Path) + ": " + strings.Join(c.DeliveryNames(), ", ")
}

// deliveryNames parses a YAML list of delivery names (a job's `deliver:`) and checks each
// against the deliveries already parsed into c; key is the key path for messages
// ("jobs[0].deliver"). Top parses `deliveries:` before `jobs:`, so a job's parser can call it.
func (p *parser) deliveryNames(c *Config, n *yaml.Node, key string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, key, "expected a list of delivery names, e.g. [officials, archive]")
	}
	var out []string
	for _, e := range n.Content {
		s, err := p.str(e, key)
		if err != nil {
			return nil, err
		}
		if _, ok := c.Delivery(s); !ok {
			return nil, p.errf(e, key, "no delivery named %q; %s", s, c.knownDeliveries())
		}
		if slices.Contains(out, s) {
			return nil, p.errf(e, key, "%q is listed twice", s)
		}
		out = append(out, s)
	}
	return out, nil
}

// deliveriesAndAlerts parses `deliveries:` and then `alerts:` (which names deliveries).
func (p *parser) deliveriesAndAlerts(c *Config, vals map[string]*yaml.Node) error {
	if n := vals["deliveries"]; n != nil {
		if err := p.deliveries(c, n); err != nil {
			return err
		}
	}
	if n := vals["alerts"]; n != nil {
		names, err := p.deliveryNames(c, n, "alerts")
		if err != nil {
			return err
		}
		for i, name := range names {
			if d, _ := c.Delivery(name); d.Kind == KindFolder {
				return p.errf(n.Content[i], "alerts", "%q is a folder delivery; alerts go to email, wecom, dingtalk or webhook deliveries", name)
			}
		}
		c.Alerts = names
	}
	return nil
}

func (p *parser) deliveries(c *Config, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "deliveries", "expected a list of deliveries (each with name and kind)")
	}
	for i, dn := range n.Content {
		d, err := p.delivery(c, dn, fmt.Sprintf("deliveries[%d]", i))
		if err != nil {
			return err
		}
		if _, dup := c.Delivery(d.Name); dup {
			return p.errf(dn, fmt.Sprintf("deliveries[%d].name", i), "expected a unique delivery name; %q is already defined", d.Name)
		}
		c.Deliveries = append(c.Deliveries, d)
	}
	return nil
}

// kindOf reads `kind:` from a delivery mapping before its keys are checked (the allowed
// keys depend on it).
func (p *parser) kindOf(n *yaml.Node, where string) (string, error) {
	if n.Kind != yaml.MappingNode {
		return "", p.errf(n, where, "expected a mapping with name, kind and the keys of that kind")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "kind" {
			v := n.Content[i+1]
			s, err := p.str(v, where+".kind")
			if err != nil {
				return "", err
			}
			s = strings.ToLower(s)
			if !slices.Contains(DeliveryKinds, s) {
				return "", p.errf(v, where+".kind", "%q is not one of: %s", s, strings.Join(DeliveryKinds, ", "))
			}
			return s, nil
		}
	}
	return "", p.errf(n, where+".kind", "missing required key (one of: %s)", strings.Join(DeliveryKinds, ", "))
}

func (p *parser) delivery(c *Config, n *yaml.Node, where string) (Delivery, error) {
	kind, err := p.kindOf(n, where)
	if err != nil {
		return Delivery{}, err
	}
	if err := p.noSecretKeys(n, where); err != nil {
		return Delivery{}, err
	}
	allowed := append(append([]string(nil), commonDeliveryKeys...), deliveryKeys[kind]...)
	vals, _, err := p.mapping(n, where, allowed)
	if err != nil {
		return Delivery{}, err
	}
	d := Delivery{Kind: kind, Line: n.Line, Retries: DefaultDeliveryRetries, RetryBackoff: DefaultRetryBackoff}
	if vals["name"] == nil {
		return d, p.errf(n, where+".name", "missing required key")
	}
	if d.Name, err = p.str(vals["name"], where+".name"); err != nil {
		return d, err
	}
	if d.Name == "" || strings.ContainsAny(d.Name, " ,\t") {
		return d, p.errf(vals["name"], where+".name", "expected a non-empty name without spaces or commas, e.g. officials")
	}
	if m := vals["retries"]; m != nil {
		if err := m.Decode(&d.Retries); err != nil || d.Retries < 0 || d.Retries > maxDeliveryRetries {
			return d, p.errf(m, where+".retries", "expected a whole number from 0 to %d", maxDeliveryRetries)
		}
	}
	switch kind {
	case KindEmail:
		d.Timeout = DefaultEmailTimeout
	case KindFolder:
		d.Timeout = DefaultFolderTimeout
	default:
		d.Timeout = DefaultHTTPTimeout
	}
	for key, dst := range map[string]*time.Duration{"retry_backoff": &d.RetryBackoff, "timeout": &d.Timeout} {
		if m := vals[key]; m != nil {
			if *dst, err = p.duration(m, where+"."+key); err != nil {
				return d, err
			}
		}
	}
	switch kind {
	case KindEmail:
		d.Email, err = p.email(c, n, vals, where)
	case KindFolder:
		d.Folder, err = p.folder(c, n, vals, where)
	default:
		d.Robot, err = p.robot(n, kind, vals, where)
	}
	return d, err
}

// noSecretKeys refuses a secret written into the file (password:, url:, secret: …) and says
// where it belongs, without repeating it.
func (p *parser) noSecretKeys(n *yaml.Node, where string) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if to, ok := secretKeys[n.Content[i].Value]; ok {
			return p.errf(n.Content[i], where+"."+n.Content[i].Value,
				"secrets never go in %s: put the value in an environment variable and name that variable with %s", filepath.Base(p.file), to)
		}
	}
	return nil
}

func (p *parser) duration(n *yaml.Node, key string) (time.Duration, error) {
	s, err := p.str(n, key)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, p.errf(n, key, "%q is not a duration like 30s, 5m or 1h", s)
	}
	return d, nil
}

// envVar reads a *_env key: the name of an environment variable. A value that is not a
// variable name (someone pasted the secret itself) is refused without being repeated.
func (p *parser) envVar(n *yaml.Node, key string) (string, error) {
	s, err := p.str(n, key)
	if err != nil {
		return "", err
	}
	if !envName.MatchString(s) {
		return "", p.errf(n, key, "expected the NAME of an environment variable (letters, digits and _, e.g. CASELOAD_SMTP_PASSWORD); the secret itself never goes in %s", filepath.Base(p.file))
	}
	return s, nil
}

func (p *parser) address(n *yaml.Node, key string) (string, error) {
	s, err := p.str(n, key)
	if err != nil {
		return "", err
	}
	if _, err := mail.ParseAddress(s); err != nil {
		return "", p.errf(n, key, "%q is not an email address (name@example.gov.cn, or 显示名 <name@example.gov.cn>)", s)
	}
	return s, nil
}

func (p *parser) addressList(n *yaml.Node, key string) ([]string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" { // a single address is accepted too
		a, err := p.address(n, key)
		return []string{a}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, key, "expected a list of email addresses, e.g. [kezhang@example.gov.cn]")
	}
	var out []string
	for _, e := range n.Content {
		a, err := p.address(e, key)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (p *parser) megabytes(n *yaml.Node, key string) (int64, error) {
	var mb float64
	if err := n.Decode(&mb); err != nil || mb <= 0 || mb > maxAttachmentMBLimit {
		return 0, p.errf(n, key, "expected a size in MB from 0 to %d, e.g. 20", maxAttachmentMBLimit)
	}
	return int64(mb * 1024 * 1024), nil
}

func (p *parser) email(c *Config, n *yaml.Node, vals map[string]*yaml.Node, where string) (*EmailDelivery, error) {
	e := &EmailDelivery{Attach: []string{"xlsx", "pdf"}, MaxAttachmentBytes: DefaultMaxAttachmentMB << 20}
	for _, req := range []string{"smtp", "from", "to"} {
		if vals[req] == nil {
			return nil, p.errf(n, where+"."+req, "missing required key for kind email")
		}
	}
	var err error
	if e.SMTP, err = p.smtp(c, vals["smtp"], where+".smtp"); err != nil {
		return nil, err
	}
	if e.From, err = p.address(vals["from"], where+".from"); err != nil {
		return nil, err
	}
	if e.To, err = p.addressList(vals["to"], where+".to"); err != nil {
		return nil, err
	}
	if len(e.To) == 0 {
		return nil, p.errf(vals["to"], where+".to", "expected at least one address")
	}
	for key, dst := range map[string]*[]string{"cc": &e.Cc, "bcc": &e.Bcc} {
		if m := vals[key]; m != nil {
			if *dst, err = p.addressList(m, where+"."+key); err != nil {
				return nil, err
			}
		}
	}
	if m := vals["attach"]; m != nil {
		if e.Attach, err = p.strList(m, where+".attach", reportFormats); err != nil {
			return nil, err
		}
	}
	if m := vals["max_attachment_mb"]; m != nil {
		if e.MaxAttachmentBytes, err = p.megabytes(m, where+".max_attachment_mb"); err != nil {
			return nil, err
		}
	}
	if m := vals["attach_name"]; m != nil {
		if e.AttachName, err = p.str(m, where+".attach_name"); err != nil {
			return nil, err
		}
		if e.AttachName == "" || strings.ContainsAny(e.AttachName, `/\`) {
			return nil, p.errf(m, where+".attach_name", "expected a file name pattern without directory or extension, e.g. {office}{period_name}统计报表")
		}
	}
	return e, nil
}

func (p *parser) smtp(c *Config, n *yaml.Node, where string) (SMTP, error) {
	s := SMTP{TLS: "starttls", Auth: "auto"}
	if err := p.noSecretKeys(n, where); err != nil {
		return s, err
	}
	vals, _, err := p.mapping(n, where, smtpKeys)
	if err != nil {
		return s, err
	}
	if vals["host"] == nil {
		return s, p.errf(n, where+".host", "missing required key (the mail server, e.g. mail.example.gov.cn)")
	}
	if s.Host, err = p.str(vals["host"], where+".host"); err != nil {
		return s, err
	}
	if s.Host == "" || strings.ContainsAny(s.Host, "/: ") && net.ParseIP(s.Host) == nil {
		return s, p.errf(vals["host"], where+".host", "expected a host name or IP address without scheme or port, e.g. mail.example.gov.cn")
	}
	if m := vals["tls"]; m != nil {
		if s.TLS, err = p.str(m, where+".tls"); err != nil {
			return s, err
		}
		s.TLS = strings.ToLower(s.TLS)
		if !slices.Contains(SMTPTLSModes, s.TLS) {
			return s, p.errf(m, where+".tls", "%q is not one of: ssl (implicit TLS, usually port 465), starttls (usually 587), none", s.TLS)
		}
	}
	switch s.TLS {
	case "ssl":
		s.Port = 465
	case "starttls":
		s.Port = 587
	default:
		s.Port = 25
	}
	if m := vals["port"]; m != nil {
		if err := m.Decode(&s.Port); err != nil || s.Port < 1 || s.Port > 65535 {
			return s, p.errf(m, where+".port", "expected a port number from 1 to 65535")
		}
	}
	if m := vals["username"]; m != nil {
		if s.Username, err = p.str(m, where+".username"); err != nil {
			return s, err
		}
	}
	if m := vals["password_env"]; m != nil {
		if s.PasswordEnv, err = p.envVar(m, where+".password_env"); err != nil {
			return s, err
		}
		if s.Username == "" {
			return s, p.errf(m, where+".password_env", "a password needs a username: add %s.username", where)
		}
	}
	if s.Username != "" && s.PasswordEnv == "" {
		return s, p.errf(vals["username"], where+".password_env", "missing: the environment variable holding the password of %s (e.g. CASELOAD_SMTP_PASSWORD)", s.Username)
	}
	if s.Username != "" && s.TLS == "none" && !isLoopback(s.Host) {
		return s, p.errf(vals["username"], where+".tls", "none would send the password unencrypted to %s; use ssl or starttls (tls: none with a username is allowed only for a server on this machine)", s.Host)
	}
	if m := vals["auth"]; m != nil {
		if s.Auth, err = p.str(m, where+".auth"); err != nil {
			return s, err
		}
		s.Auth = strings.ToLower(s.Auth)
		if !slices.Contains(smtpAuthModes, s.Auth) {
			return s, p.errf(m, where+".auth", "%q is not one of: %s", s.Auth, strings.Join(smtpAuthModes, ", "))
		}
	}
	if m := vals["ca_file"]; m != nil {
		if s.CAFile, err = p.path(m, where+".ca_file", c.Dir); err != nil {
			return s, err
		}
	}
	if m := vals["helo"]; m != nil {
		if s.HELO, err = p.str(m, where+".helo"); err != nil {
			return s, err
		}
	}
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (p *parser) folder(c *Config, n *yaml.Node, vals map[string]*yaml.Node, where string) (*FolderDelivery, error) {
	f := &FolderDelivery{}
	if vals["path"] == nil {
		return nil, p.errf(n, where+".path", "missing required key for kind folder (e.g. /srv/share/侨办报表/{period})")
	}
	var err error
	if f.Path, err = p.path(vals["path"], where+".path", c.Dir); err != nil {
		return nil, err
	}
	if strings.Count(f.Path, "{period}") > 1 {
		return nil, p.errf(vals["path"], where+".path", "{period} may appear only once")
	}
	if m := vals["keep"]; m != nil {
		if err := m.Decode(&f.Keep); err != nil || f.Keep < 1 {
			return nil, p.errf(m, where+".keep", "expected the number of period folders to keep (1 or more)")
		}
		if !strings.Contains(filepath.Base(f.Path), "{period}") {
			return nil, p.errf(m, where+".keep", "needs {period} in the last element of path (e.g. /srv/share/侨办报表/{period}): only folders that pattern made are removed")
		}
	}
	if m := vals["formats"]; m != nil {
		if f.Formats, err = p.strList(m, where+".formats", reportFormats); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *parser) robot(n *yaml.Node, kind string, vals map[string]*yaml.Node, where string) (*RobotDelivery, error) {
	r := &RobotDelivery{}
	if vals["url_env"] == nil {
		return nil, p.errf(n, where+".url_env", "missing required key for kind %s: the environment variable holding the webhook URL (e.g. CASELOAD_WECOM_URL)", kind)
	}
	var err error
	if r.URLEnv, err = p.envVar(vals["url_env"], where+".url_env"); err != nil {
		return nil, err
	}
	if m := vals["secret_env"]; m != nil {
		if r.SecretEnv, err = p.envVar(m, where+".secret_env"); err != nil {
			return nil, err
		}
	}
	if m := vals["base_url"]; m != nil {
		if r.BaseURL, err = p.str(m, where+".base_url"); err != nil {
			return nil, err
		}
		u, err := url.Parse(r.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
			return nil, p.errf(m, where+".base_url", "expected an http(s) URL without query or credentials, e.g. http://gateway.intra:8080")
		}
	}
	if kind == KindWeCom {
		r.Attach = []string{"xlsx"}
		r.MaxAttachmentBytes = DefaultMaxAttachmentMB << 20
		if m := vals["attach"]; m != nil {
			if r.Attach, err = p.strList(m, where+".attach", reportFormats); err != nil {
				return nil, err
			}
		}
		if m := vals["max_attachment_mb"]; m != nil {
			if r.MaxAttachmentBytes, err = p.megabytes(m, where+".max_attachment_mb"); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// Formats returns the report formats a delivery sends as files (email attachments, files
// copied, WeCom file messages); nil means every file of the run (folder without formats:);
// DingTalk and webhooks send none (they name the files).
func (d *Delivery) Formats() []string {
	switch {
	case d.Email != nil:
		return d.Email.Attach
	case d.Folder != nil:
		return d.Folder.Formats
	case d.Robot != nil:
		return d.Robot.Attach
	}
	return nil
}

// MissingFormats lists the report formats the delivery sends as files that written (a job's
// formats) lacks, e.g. an email attaching pdf for a job that writes only xlsx and html.
func (d *Delivery) MissingFormats(written []string) []string {
	var out []string
	for _, f := range d.Formats() {
		if !slices.Contains(written, f) {
			out = append(out, f)
		}
	}
	return out
}
