// Package deliver brings a period's reports to their readers and failures to IT staff
// (SPEC §11): email over SMTP, atomic copies into a (network) folder, WeCom and DingTalk
// group robots and a generic JSON webhook, all behind one interface:
//
//	s := deliver.New(cfg.Deliveries[i], deliver.Options{Logger: log})
//	res, err := s.Send(ctx, msg) // res.Attempts: one row per attempt, for the deliveries table
//
// A Message is what is said (office, period, the news brief's headline sentences, the
// files, the language; for alerts the job, run, status and error); each kind renders it
// (subject and body of an email, markdown for robots, JSON for webhooks).
//
// A job's deliver step and its alerts (the scheduler's side):
//
//	msg, err := deliver.ReportMessage(cfg.Office, lang, p, model.Brief, paths) // or BriefFromJSON
//	msg.Run = &deliver.Run{Job: job.Name, RunID: runID}
//	results, err := deliver.SendAll(ctx, cfg.DeliveriesNamed(job.Deliver), msg, opt)
//	for _, r := range results { deliver.Record(ctx, tx, &runID, r) } // err != nil: the run failed
//
//	alert, _ := deliver.AlertMessage(cfg.Office, lang, p, deliver.Run{Job: job.Name, RunID: runID, Status: "failed", Error: text})
//	results, _ = deliver.SendAll(ctx, cfg.DeliveriesNamed(cfg.Alerts), alert, opt) // RecoveredMessage on the first success after
//
// Decisions:
//   - Secrets (SMTP password, webhook URLs with their keys, signing secrets) are read from
//     the environment when a message is sent, never at load time; an unset variable is a
//     permanent failure naming the variable. Every error text, log line and Result is
//     redacted at the source: the raw error is classified and then replaced by its
//     redacted text, so no caller can print the secret by accident.
//   - Retries: a transient failure (connection refused/reset, timeout, DNS timeout, SMTP 4xx,
//     HTTP 5xx and 429, robot "busy" codes, a missing network share) is retried `retries`
//     times after `retry_backoff`, doubling (capped at 1 h); a permanent one (SMTP 5xx, HTTP
//     4xx, bad credentials, bad certificate, unset variable) is not. Time comes from
//     Options.Now and Options.Sleep so tests never wait.
//   - Delivery is at least once: a connection lost after the server took a message but
//     before it said so is retried, and the reader may get it twice. Robot steps that
//     succeeded (file uploaded, text posted) are not repeated by a retry.
//   - An attachment over the size limit is left out and the text says so (name and size);
//     the send still succeeds.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
)

// MessageType says what a message is about.
type MessageType string

// Message types.
const (
	TypeReport    MessageType = "report"    // a period's reports
	TypeAlert     MessageType = "alert"     // a run ended failed, timed_out, interrupted or missed
	TypeRecovered MessageType = "recovered" // the first success after such a run
	TypeTest      MessageType = "test"      // `caseload deliver --test`
)

// File is one report file of a message.
type File struct {
	Path   string `json:"path"`
	Format string `json:"format"` // xlsx | html | pdf | json
	Size   int64  `json:"bytes"`
}

// Run is the job run a message is about: required for alerts and recovered messages,
// optional for reports (webhooks pass it on).
type Run struct {
	Job    string `json:"job"`
	RunID  int64  `json:"run_id,omitempty"` // 0 when not known
	Status string `json:"status"`           // failed | timed_out | interrupted | missed | succeeded
	Error  string `json:"error,omitempty"`
	// See is how to look at the run, e.g. "caseload runs --job monthly-report".
	See string `json:"see,omitempty"`
}

// Message is one thing to deliver.
type Message struct {
	Type   MessageType
	Office string
	Lang   string        // zh (default) | en
	Period period.Period // may be zero (test messages; alerts of runs without a period)
	// Headlines are the headline sentences of the news brief (HeadlinesOf).
	Headlines []string
	Files     []File
	Run       *Run // the job run; required for TypeAlert and TypeRecovered
	Time      time.Time
}

func (m Message) en() bool { return m.Lang == "en" }

// Attempt is one try of a send: a row of the deliveries table.
type Attempt struct {
	Attempt    int       `json:"attempt"`
	Status     string    `json:"status"` // succeeded | retrying | failed
	Error      string    `json:"error,omitempty"`
	Bytes      int64     `json:"bytes"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// Attempt and result statuses.
const (
	StatusSucceeded = "succeeded"
	StatusRetrying  = "retrying" // this attempt failed transiently; another one followed
	StatusFailed    = "failed"
)

// Result is the outcome of one Send: every attempt, the final status and what was left out.
type Result struct {
	Delivery string      `json:"delivery"`
	Kind     string      `json:"kind"`
	Target   string      `json:"target"` // description without secrets
	Message  MessageType `json:"message"`
	Period   string      `json:"period,omitempty"`
	Status   string      `json:"status"` // succeeded | failed
	Error    string      `json:"error,omitempty"`
	Bytes    int64       `json:"bytes"`
	Attempts []Attempt   `json:"attempts"`
	// Notes say what was left out or could not be tidied (an attachment over the limit,
	// an old archive folder that could not be removed).
	Notes []string `json:"notes,omitempty"`
}

// Error is a failed send. Its text is redacted; the underlying error is not kept (it may
// carry a secret, e.g. a URL).
type Error struct {
	Delivery  string
	Msg       string
	Transient bool // the last attempt failed for a transient reason (retries ran out)
}

func (e *Error) Error() string { return "deliver " + e.Delivery + ": " + e.Msg }

// Options are the process's services a sender uses. Zero values take the defaults.
type Options struct {
	// Getenv looks up secrets (default os.LookupEnv).
	Getenv func(string) (string, bool)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits between attempts, returning early with ctx's error (default: a timer).
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
	// Location is the office timezone for times in messages (default time.Local).
	Location *time.Location
	// Host names this machine in alerts (default os.Hostname).
	Host string
	// Version is caseload's version, for the mailer header and webhook payloads.
	Version string
}

func (o Options) withDefaults() Options {
	if o.Getenv == nil {
		o.Getenv = os.LookupEnv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	return o
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sender sends messages to one delivery.
type Sender interface {
	// Send delivers msg, retrying transient failures. The Result lists every attempt; the
	// error is non-nil (an *Error) when the send finally failed.
	Send(ctx context.Context, msg Message) (Result, error)
}

// kind is what each delivery kind implements; the retry loop is shared.
type kind interface {
	// target describes where msg goes, without secrets.
	target(msg Message) string
	// prepare resolves secrets (registering them with red) and renders msg once.
	prepare(ctx context.Context, msg Message, env func(string) (string, bool), red *redactor) (job, error)
}

// job is a prepared send; run is one attempt. It may keep progress across attempts (a
// WeCom file already uploaded is not uploaded again).
type job interface {
	run(ctx context.Context) (bytes int64, err error)
	notes() []string
}

// New returns the sender of a configured delivery.
func New(d config.Delivery, opt Options) Sender {
	opt = opt.withDefaults()
	s := &sender{d: d, opt: opt}
	switch {
	case d.Email != nil:
		s.k = &emailKind{d: d, opt: opt}
	case d.Folder != nil:
		s.k = &folderKind{d: d, opt: opt}
	case d.Robot != nil && d.Kind == config.KindWeCom:
		s.k = &wecomKind{robotBase{d: d, opt: opt}}
	case d.Robot != nil && d.Kind == config.KindDingTalk:
		s.k = &dingtalkKind{robotBase{d: d, opt: opt}}
	case d.Robot != nil && d.Kind == config.KindWebhook:
		s.k = &webhookKind{robotBase{d: d, opt: opt}}
	default:
		s.k = badKind{d.Kind}
	}
	return s
}

type badKind struct{ kind string }

func (b badKind) target(Message) string { return b.kind }
func (b badKind) prepare(context.Context, Message, func(string) (string, bool), *redactor) (job, error) {
	return nil, permanentf("unknown delivery kind %q", b.kind)
}

// SendAll sends msg to each delivery in order (never in parallel: a mail server and a
// robot rate-limit per sender). It returns one Result per delivery and, when any failed,
// an error naming them.
func SendAll(ctx context.Context, ds []config.Delivery, msg Message, opt Options) ([]Result, error) {
	var out []Result
	var failed []string
	for _, d := range ds {
		r, err := New(d, opt).Send(ctx, msg)
		out = append(out, r)
		if err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		return out, errors.New(strings.Join(failed, "; "))
	}
	return out, nil
}

// lookupEnv reads a secret: unset or empty is an error naming the variable and the key
// (never a value).
func lookupEnv(env func(string) (string, bool), name, key string) (string, error) {
	v, ok := env(name)
	if !ok {
		return "", permanentf("environment variable %s (%s) is not set", name, key)
	}
	if strings.TrimSpace(v) == "" {
		return "", permanentf("environment variable %s (%s) is empty", name, key)
	}
	return strings.TrimSpace(v), nil
}

// FormatSize is a human size: 850 B, 85.2 KB, 1.2 MB (messages, and the deliver command).
func FormatSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}
