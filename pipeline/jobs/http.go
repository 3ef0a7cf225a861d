package jobs

import (
	"encoding/json"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/caseload/caseload/pipeline/warehouse"
)

// Metrics are the scheduler's Prometheus metrics, on a registry of their own.
type Metrics struct {
	Registry    *prometheus.Registry
	runs        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	nextRun     *prometheus.GaugeVec
	duration    *prometheus.HistogramVec
}

// NewMetrics registers the metrics: caseload_job_runs_total{job,status},
// caseload_job_last_success_timestamp_seconds{job}, caseload_job_next_run_timestamp_seconds{job},
// caseload_job_run_duration_seconds{job,status}, and the Go process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "caseload_job_runs_total",
		Help: "Job runs that ended (or ticks recorded missed/skipped) since the scheduler started, by job and status."}, []string{"job", "status"})
	m.lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "caseload_job_last_success_timestamp_seconds",
		Help: "When the job's last succeeded run finished (Unix time)."}, []string{"job"})
	m.nextRun = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "caseload_job_next_run_timestamp_seconds",
		Help: "When the job runs next (Unix time)."}, []string{"job"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "caseload_job_run_duration_seconds",
		Help:    "How long job runs took, by job and status.",
		Buckets: []float64{1, 5, 15, 60, 300, 900, 1800, 3600, 7200}}, []string{"job", "status"})
	m.Registry.MustRegister(m.runs, m.lastSuccess, m.nextRun, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts a finished run or a recorded tick.
func (m *Metrics) observe(r Run) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(r.Job, string(r.Status)).Inc()
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		m.duration.WithLabelValues(r.Job, string(r.Status)).Observe(r.FinishedAt.Sub(r.StartedAt).Seconds())
	}
	if r.Status == Succeeded {
		m.lastSuccess.WithLabelValues(r.Job).Set(float64(r.FinishedAt.Unix()))
	}
}

// Handler serves /healthz and /metrics. /healthz is 200 while the scheduler loop has looked
// at the clock within the last two minutes and the warehouse file is readable (or not made
// yet), 503 otherwise; its JSON gives the last loop time, each job's next runs and last
// status.
func (s *Scheduler) Handler(m *Metrics, warehousePath string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		jobs, lastLoop := s.Status(5)
		now := s.env.Clock.Now()
		type jobJSON struct {
			Job        string   `json:"job"`
			Schedule   string   `json:"schedule"`
			NextRuns   []string `json:"next_runs"`
			Running    bool     `json:"running"`
			LastStatus string   `json:"last_status,omitempty"`
			LastRunID  int64    `json:"last_run_id,omitempty"`
			LastPeriod string   `json:"last_period,omitempty"`
			LastError  string   `json:"last_error,omitempty"`
		}
		body := struct {
			Status    string    `json:"status"`
			LastTick  string    `json:"last_tick"`
			Warehouse string    `json:"warehouse"`
			Problem   string    `json:"problem,omitempty"`
			Jobs      []jobJSON `json:"jobs"`
		}{Status: "ok", LastTick: lastLoop.In(s.env.Config.Location).Format(time.RFC3339), Warehouse: warehousePath}
		code := http.StatusOK
		if lastLoop.IsZero() || now.Sub(lastLoop) > 2*time.Minute {
			body.Status, body.Problem, code = "stalled", "the scheduler loop has not looked at the clock for over two minutes", http.StatusServiceUnavailable
		} else if _, err := os.Stat(warehousePath); err == nil {
			if err := warehouse.Check(warehousePath); err != nil {
				body.Status, body.Problem, code = "warehouse unusable", err.Error(), http.StatusServiceUnavailable
			}
		}
		for _, j := range jobs {
			jj := jobJSON{Job: j.Job, Schedule: j.Schedule, Running: j.Running, NextRuns: []string{}}
			for _, t := range j.Next {
				jj.NextRuns = append(jj.NextRuns, t.In(s.env.Config.Location).Format(time.RFC3339))
			}
			if j.Last != nil {
				jj.LastStatus, jj.LastRunID, jj.LastPeriod, jj.LastError = string(j.Last.Status), j.Last.ID, j.Last.Period.Label, j.Last.Error
			}
			body.Jobs = append(body.Jobs, jj)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(code)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(body)
	})
	metrics := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
	mux.Handle("/metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jobs, _ := s.Status(1)
		for _, j := range jobs {
			if len(j.Next) > 0 {
				m.nextRun.WithLabelValues(j.Job).Set(float64(j.Next[0].Unix()))
			}
		}
		metrics.ServeHTTP(w, r)
	}))
	return mux
}
