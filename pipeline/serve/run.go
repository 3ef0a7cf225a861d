package serve

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Grace is how long a shutdown waits for running queries before cancelling them.
const Grace = 10 * time.Second

// Listening is called once the server accepts connections, with its address.
type Listening func(addr net.Addr, tls bool)

// Run serves until ctx is cancelled (SIGTERM, SIGINT), then stops accepting calls, lets
// running queries finish for up to Grace, and cancels the rest.
func (s *Server) Run(ctx context.Context, addr string, listening Listening) error {
	a, err := newAuth(s.cfg, s.log)
	if err != nil {
		return err
	}
	opts := []grpc.ServerOption{grpc.ChainUnaryInterceptor(a.unary), grpc.ChainStreamInterceptor(a.stream)}
	useTLS := s.cfg.Serve.TLSCert != ""
	if useTLS {
		cert, err := tls.LoadX509KeyPair(s.cfg.Serve.TLSCert, s.cfg.Serve.TLSKey)
		if err != nil {
			return fmt.Errorf("%s: serve.tls_cert/serve.tls_key: %w", s.cfg.Path, err)
		}
		opts = append(opts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})))
	}
	srv := grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(srv, flightsql.NewFlightServerWithAllocator(s, s.Alloc))
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if listening != nil {
		listening(lis.Addr(), useTLS)
	}
	s.log.Info("serving Flight SQL", "addr", lis.Addr().String(), "tls", useTLS, "users", len(s.cfg.Serve.Users))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: waiting for running queries", "grace", Grace)
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(Grace):
		s.log.Warn("queries still running after the grace period: cancelling them")
		srv.Stop()
		<-stopped
	}
	<-done
	return nil
}

// IsLoopback reports whether a listen address is reachable only from this machine.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
