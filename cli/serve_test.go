package cli

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestServeBinary runs the real `caseload serve --flight` process: it refuses to start
// without accounts, serves a query to arrow-go's client, warns when bound beyond loopback
// without TLS, and stops gracefully on SIGTERM (exit 0).
func TestServeBinary(t *testing.T) {
	bin := caseloadBinary(t)
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	cmd := exec.Command(bin, "serve", "--flight", "127.0.0.1:0")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "serve.users: no accounts") {
		t.Errorf("started without accounts: %v %s", err, out)
	}
	hash, _, code := runIn(t, dir, "pw\n", "serve", "--hash-password")
	if code != 0 || !strings.HasPrefix(hash, "$2a$") {
		t.Fatalf("hash-password: %d %q", code, hash)
	}
	yaml := filepath.Join(dir, "caseload.yaml")
	b, _ := os.ReadFile(yaml)
	os.WriteFile(yaml, append(b, []byte("serve:\n  users:\n    - name: ana\n      password_hash: '"+strings.TrimSpace(hash)+"'\n")...), 0o644)

	cmd = exec.Command(bin, "serve", "--flight", "0.0.0.0:0")
	cmd.Dir = dir
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stderr)
	var addr, all string
	re := regexp.MustCompile(`grpc://\S*:(\d+)`)
	for addr == "" && sc.Scan() {
		all += sc.Text() + "\n"
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = "127.0.0.1:" + m[1]
		}
	}
	if addr == "" || !strings.Contains(all, "warning: serving on ") || !strings.Contains(all, "without TLS") {
		t.Fatalf("start-up:\n%s", all)
	}
	rest := make(chan string)
	go func() {
		var s strings.Builder
		for sc.Scan() {
			s.WriteString(sc.Text() + "\n")
		}
		rest <- s.String()
	}()
	c, err := flightsql.NewClient(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, err := c.Client.AuthenticateBasicToken(context.Background(), "ana", "pw")
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Execute(ctx, "SELECT count(*) AS n FROM cases")
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil || !r.Next() || r.RecordBatch().Column(0).ValueStr(0) != "1" {
		t.Fatalf("query: %v", err)
	}
	r.Release()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		logs := <-rest
		if err != nil || !strings.Contains(logs, "shutting down") || !strings.Contains(logs, "msg=query user=ana") {
			t.Errorf("SIGTERM: %v\n%s", err, logs)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("did not stop on SIGTERM")
	}
}

// runIn is run with standard input.
func runIn(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	old, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(old)
	var out, errb strings.Builder
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}
