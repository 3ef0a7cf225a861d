package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestPIIConfig(t *testing.T) {
	dir := t.TempDir()
	parse := func(yaml string) (*Config, error) {
		return Parse(filepath.Join(dir, "caseload.yaml"), []byte("office: x\nitems: i.csv\n"+yaml))
	}
	c, err := parse("")
	if err != nil {
		t.Fatal(err)
	}
	if c.PII.Policy != "" || c.PII.KeyEnv != DefaultPIIKeyEnv || c.PII.Columns != nil {
		t.Errorf("defaults: %+v", c.PII)
	}
	c, err = parse("pii:\n  policy: Hash\n  key_env: OFFICE_PII_KEY\n  columns: [客户名称, ' 备用号码 ']\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.PII.Policy != "hash" || c.PII.PolicyLine != 4 || c.PII.KeyEnv != "OFFICE_PII_KEY" {
		t.Errorf("parsed: %+v", c.PII)
	}
	if how, ok := c.PIIColumn("备用号码"); !ok || how != "" {
		t.Errorf("list column: %q %v", how, ok)
	}
	c, err = parse("pii:\n  columns: {单位电话: keep, Client Name: drop}\n")
	if err != nil {
		t.Fatal(err)
	}
	if how, ok := c.PIIColumn(" client name "); !ok || how != "drop" {
		t.Errorf("mapping column: %q %v", how, ok)
	}
	if how, ok := c.PIIColumn("单位电话"); !ok || how != "keep" {
		t.Errorf("keep column: %q %v", how, ok)
	}
	if _, ok := c.PIIColumn("备注"); ok {
		t.Errorf("备注 is not named")
	}
	for _, tc := range []struct{ yaml, want string }{
		{"pii:\n  policy: keep\n", `caseload.yaml:4: pii.policy: keep is not a policy for every column: personal data is kept in the clear only in columns named explicitly, e.g. columns: {联系电话: keep}`},
		{"pii:\n  policy: mask\n", `pii.policy: "mask" is not one of: hash`},
		{"pii:\n  key_env: s3cr3t-value!\n", `caseload.yaml:4: pii.key_env: "s3cr3t-value!" is not the name of an environment variable`},
		{"pii:\n  columns: {电话: keep it}\n", `pii.columns.电话: expected hash, drop or keep`},
		{"pii:\n  columns: 电话\n", `pii.columns: expected a list of header names`},
		{"pii:\n  columns: [电话, 电话]\n", `pii.columns: "电话" is named twice`},
		{"pii:\n  mode: hash\n", `pii.mode: unknown key; expected one of: policy, key_env, columns`},
	} {
		_, err := parse(tc.yaml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
