package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/caseload/caseload/pipeline/config"
)

// Authentication (SPEC §9): a client authenticates with a user name and password, either in
// Flight's Handshake (HTTP basic credentials in the "authorization" header), which answers
// with a bearer token in the response header and trailer — what ADBC and the JDBC driver
// do — or by sending basic credentials with every call, which arrow-go's database/sql driver
// does. Every other call needs a valid token or valid credentials; there is no anonymous
// access. Passwords are checked against bcrypt hashes (serve.users[].password_hash) or
// against the value of an environment variable (password_env) read at start-up. Tokens are
// random, held in memory only, and expire after TokenTTL without use.

// TokenTTL is how long an unused token stays valid.
const TokenTTL = 12 * time.Hour

// basicTTL is how long a successful basic-credentials check is remembered, so that a client
// sending credentials with every call does not pay bcrypt's cost each time.
const basicTTL = 5 * time.Minute

type account struct {
	hash []byte // bcrypt
	pass []byte // sha256 of the password from the environment
}

type auth struct {
	log      *slog.Logger
	accounts map[string]account
	mu       sync.Mutex
	tokens   map[string]session
	basic    map[[32]byte]time.Time // sha256(user:password) -> valid until
	now      func() time.Time
}

type session struct {
	user    string
	expires time.Time
}

type userKey struct{}

// userFrom returns the authenticated user of a call.
func userFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

func newAuth(cfg *config.Config, log *slog.Logger) (*auth, error) {
	a := &auth{log: log, accounts: map[string]account{}, tokens: map[string]session{}, basic: map[[32]byte]time.Time{}, now: time.Now}
	if len(cfg.Serve.Users) == 0 {
		return nil, fmt.Errorf("%s: serve.users: no accounts; add at least one (name with password_hash or password_env) — anonymous access is not offered", cfg.Path)
	}
	for i, u := range cfg.Serve.Users {
		if u.PasswordEnv != "" {
			v := os.Getenv(u.PasswordEnv)
			if v == "" {
				return nil, fmt.Errorf("%s:%d: serve.users[%d].password_env: %s is not set in the environment (the password of %s)", cfg.Path, u.Line, i, u.PasswordEnv, u.Name)
			}
			h := sha256.Sum256([]byte(v))
			a.accounts[u.Name] = account{pass: h[:]}
			continue
		}
		a.accounts[u.Name] = account{hash: []byte(u.PasswordHash)}
	}
	return a, nil
}

// check verifies a user name and password.
func (a *auth) check(user, password string) bool {
	acc, ok := a.accounts[user]
	if !ok {
		// Same cost as a real check, so a wrong name is not told apart by timing.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"), []byte(password))
		return false
	}
	if acc.pass != nil {
		h := sha256.Sum256([]byte(password))
		return subtle.ConstantTimeCompare(h[:], acc.pass) == 1
	}
	return bcrypt.CompareHashAndPassword(acc.hash, []byte(password)) == nil
}

// checkBasic verifies basic credentials, remembering a success for basicTTL.
func (a *auth) checkBasic(user, password string) bool {
	key := sha256.Sum256([]byte(user + "\x00" + password))
	now := a.now()
	a.mu.Lock()
	until, ok := a.basic[key]
	a.mu.Unlock()
	if ok && now.Before(until) {
		return true
	}
	if !a.check(user, password) {
		return false
	}
	a.mu.Lock()
	a.basic[key] = now.Add(basicTTL)
	a.mu.Unlock()
	return true
}

func (a *auth) issue(user string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for t, s := range a.tokens { // drop expired tokens
		if now.After(s.expires) {
			delete(a.tokens, t)
		}
	}
	a.tokens[tok] = session{user: user, expires: now.Add(TokenTTL)}
	return tok
}

func (a *auth) token(tok string) (string, bool) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.tokens[tok]
	if !ok || now.After(s.expires) {
		delete(a.tokens, tok)
		return "", false
	}
	s.expires = now.Add(TokenTTL)
	a.tokens[tok] = s
	return s.user, true
}

func parseBasic(cred string) (user, password string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(cred); err != nil {
			return "", "", false
		}
	}
	return strings.Cut(string(raw), ":")
}

func peerAddr(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok {
		return p.Addr.String()
	}
	return ""
}

// authenticate resolves a call's credentials to a user. handshake calls get a token back.
func (a *auth) authenticate(ctx context.Context, handshake bool) (context.Context, string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return ctx, "", status.Error(codes.Unauthenticated, "authenticate first: user name and password (basic auth handshake), then the bearer token")
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Basic"):
		user, password, ok := parseBasic(cred)
		if !ok || !a.checkBasic(user, password) {
			a.log.Warn("authentication failed", "user", user, "peer", peerAddr(ctx))
			return ctx, "", status.Error(codes.Unauthenticated, "wrong user name or password")
		}
		if handshake {
			tok := a.issue(user)
			a.log.Info("authenticated", "user", user, "peer", peerAddr(ctx))
			return ctx, tok, nil
		}
		return context.WithValue(ctx, userKey{}, user), "", nil
	case strings.EqualFold(scheme, "Bearer") && !handshake:
		user, ok := a.token(cred)
		if !ok {
			return ctx, "", status.Error(codes.Unauthenticated, "unknown or expired token: authenticate again")
		}
		return context.WithValue(ctx, userKey{}, user), "", nil
	}
	return ctx, "", status.Error(codes.Unauthenticated, "unsupported authorization: use basic credentials (handshake) or a bearer token")
}

func (a *auth) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, _, err := a.authenticate(ctx, false)
	if err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (a *auth) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	handshake := strings.HasSuffix(info.FullMethod, "/Handshake")
	ctx, tok, err := a.authenticate(ss.Context(), handshake)
	if err != nil {
		return err
	}
	if handshake {
		md := metadata.Pairs("authorization", "Bearer "+tok)
		if err := ss.SetHeader(md); err != nil {
			return err
		}
		ss.SetTrailer(md)
		return handler(srv, ss)
	}
	return handler(srv, &authStream{ServerStream: ss, ctx: ctx})
}

type authStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *authStream) Context() context.Context { return s.ctx }
