package cli

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/caseload/caseload/pipeline/serve"
)

// fromConfig is --flight given without an address: serve.addr.
const fromConfig = "serve.addr"

func newServeCmd(e *env) *cobra.Command {
	var addr string
	var hash bool
	cmd := &cobra.Command{
		Use:   "serve --flight [ADDR]",
		Short: "Serve the read-only warehouse to analysts' tools over Arrow Flight SQL",
		Long: `Serve the analyst snapshot over Arrow Flight SQL (ADBC, JDBC, arrow-go's database/sql
driver): statements, prepared statements, and the catalogue calls tools use to list tables.
Every query runs read-only and sandboxed like caseload sql, on the snapshot current when it
starts, under serve.timeout, and is logged (user, rows, duration, error).

Accounts are serve.users in caseload.yaml (bcrypt password_hash, or password_env naming an
environment variable). TLS with serve.tls_cert and serve.tls_key. ADDR defaults to
serve.addr (127.0.0.1:32010: this machine only). SIGTERM or Ctrl-C stops it gracefully.

caseload serve --hash-password reads a password and prints the bcrypt hash for
serve.users[].password_hash.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if hash {
				return e.hashPassword()
			}
			if !cmd.Flags().Changed("flight") {
				return usagef("give --flight (optionally --flight HOST:PORT): Arrow Flight SQL is the protocol served")
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			if addr == fromConfig && len(args) == 1 {
				addr = args[0] // --flight ADDR (the flag's value may be omitted, so ADDR arrives as an argument)
			} else if len(args) == 1 {
				return usagef("unexpected argument %q", args[0])
			}
			if addr == "" || addr == fromConfig {
				addr = cfg.Serve.Addr
			}
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return usagef("--flight %q: expected HOST:PORT, e.g. 127.0.0.1:32010", addr)
			}
			defer removeScratch(cfg)
			srv := serve.New(cfg, e.log, Version)
			return srv.Run(cmd.Context(), addr, func(a net.Addr, tls bool) {
				scheme := "grpc"
				if tls {
					scheme = "grpc+tls"
				}
				if !tls && !serve.IsLoopback(a.String()) {
					fmt.Fprintf(e.stderr, "warning: serving on %s without TLS: passwords and data cross the network in clear text; set serve.tls_cert and serve.tls_key\n", a)
				}
				if !e.quiet {
					fmt.Fprintf(e.stderr, "caseload serves %s over Flight SQL at %s://%s (Ctrl-C to stop)\n", cfg.Warehouse, scheme, a)
				}
			})
		},
	}
	cmd.Flags().StringVar(&addr, "flight", "", "serve Arrow Flight SQL on HOST:PORT (default serve.addr, 127.0.0.1:32010)")
	cmd.Flags().Lookup("flight").NoOptDefVal = fromConfig
	cmd.Flags().BoolVar(&hash, "hash-password", false, "read a password and print its bcrypt hash for serve.users")
	return cmd
}

// hashPassword prints the bcrypt hash of a password read without echo from a terminal, or
// from the first line of standard input.
func (e *env) hashPassword() error {
	var pw []byte
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return err
		}
		pw = b
	} else {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return usagef("--hash-password: give the password on standard input")
		}
		pw = []byte(strings.TrimRight(line, "\r\n"))
	}
	if len(pw) == 0 {
		return usagef("--hash-password: empty password")
	}
	h, err := bcrypt.GenerateFromPassword(pw, bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(h))
	return nil
}
