package config

import (
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PII is the `pii:` section of caseload.yaml: what a pull does with personal data (applicants'
// names, ID numbers, phones, addresses) in the columns of a case export that are not §4.1
// fields (pipeline/pii has the rules; the README's "Personal data" section the behaviour).
//
//	pii:
//	  policy: hash                  # hash | drop; default: hash when the key variable is set, else drop
//	  key_env: CASELOAD_PII_KEY     # the environment variable holding the HMAC key (the default name)
//	  columns: [客户名称, 备用号码]   # more header names that hold personal data, treated by the policy
//	  # or, with a treatment per column (keep: in the clear, with a warning on every pull):
//	  columns: {客户名称: hash, 单位电话: keep}
//
// keep is never a policy for every column: a column is kept in the clear only when it is
// named with keep here.
type PII struct {
	Policy     string            // "hash", "drop", or "" (hash when the key variable is set, else drop)
	PolicyLine int               // the line of pii.policy (0 when not given)
	KeyEnv     string            // the environment variable holding the key; default DefaultPIIKeyEnv
	Columns    map[string]string // header name (as written) → "" (the policy), "hash", "drop" or "keep"
	Lines      map[string]int    // header name → its line in caseload.yaml
}

// DefaultPIIKeyEnv is the environment variable that holds the personal-data key by default.
const DefaultPIIKeyEnv = "CASELOAD_PII_KEY"

var piiKeys = []string{"policy", "key_env", "columns"}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (p *parser) pii(c *Config, n *yaml.Node) error {
	c.PII = PII{KeyEnv: DefaultPIIKeyEnv}
	if n == nil {
		return nil
	}
	vals, _, err := p.mapping(n, "pii", piiKeys)
	if err != nil {
		return err
	}
	if m := vals["policy"]; m != nil {
		s, err := p.str(m, "pii.policy")
		if err != nil {
			return err
		}
		switch s = strings.ToLower(s); s {
		case "hash", "drop":
			c.PII.Policy, c.PII.PolicyLine = s, m.Line
		case "keep":
			return p.errf(m, "pii.policy", "keep is not a policy for every column: personal data is kept in the clear only in columns named explicitly, e.g. columns: {联系电话: keep}; the policy is hash or drop")
		default:
			return p.errf(m, "pii.policy", "%q is not one of: hash (HMAC-SHA256 with the key in $%s), drop", s, c.PII.KeyEnv)
		}
	}
	if m := vals["key_env"]; m != nil {
		s, err := p.str(m, "pii.key_env")
		if err != nil {
			return err
		}
		if !envNameRE.MatchString(s) {
			return p.errf(m, "pii.key_env", "%q is not the name of an environment variable (letters, digits and _, e.g. %s); the key itself never goes in this file", s, DefaultPIIKeyEnv)
		}
		c.PII.KeyEnv = s
	}
	if m := vals["columns"]; m != nil {
		c.PII.Columns, c.PII.Lines = map[string]string{}, map[string]int{}
		add := func(k *yaml.Node, how string, line int) error {
			name := strings.TrimSpace(k.Value)
			if k.Kind != yaml.ScalarNode || name == "" {
				return p.errf(k, "pii.columns", "expected a header name")
			}
			for prev := range c.PII.Columns {
				if strings.EqualFold(prev, name) {
					return p.errf(k, "pii.columns", "%q is named twice", name)
				}
			}
			c.PII.Columns[name], c.PII.Lines[name] = how, line
			return nil
		}
		switch m.Kind {
		case yaml.SequenceNode:
			for _, e := range m.Content {
				if err := add(e, "", e.Line); err != nil {
					return err
				}
			}
		case yaml.MappingNode:
			for j := 0; j+1 < len(m.Content); j += 2 {
				k, v := m.Content[j], m.Content[j+1]
				how := strings.ToLower(strings.TrimSpace(v.Value))
				if v.Kind != yaml.ScalarNode || !slices.Contains([]string{"hash", "drop", "keep"}, how) {
					return p.errf(v, "pii.columns."+k.Value, "expected hash, drop or keep (keep: in the clear, with a warning on every pull)")
				}
				if err := add(k, how, k.Line); err != nil {
					return err
				}
			}
		default:
			return p.errf(m, "pii.columns", "expected a list of header names, e.g. [客户名称], or a mapping of header name to hash, drop or keep, e.g. {单位电话: keep}")
		}
	}
	return nil
}

// PIIColumn returns how caseload.yaml treats a column of this header ("" for the policy,
// "hash", "drop", "keep") and whether pii.columns names it. Header names are compared as
// columns are (case-insensitively, without surrounding blanks).
func (c *Config) PIIColumn(header string) (how string, named bool) {
	h := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header, "\ufeff")))
	for name, how := range c.PII.Columns {
		if strings.ToLower(name) == h {
			return how, true
		}
	}
	return "", false
}
