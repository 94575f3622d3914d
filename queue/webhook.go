package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v2"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/netguard"
)

// Subscription is one webhook receiver.
type Subscription struct {
	// ID names the subscription in task payloads, logs and metrics-free diagnostics:
	// 1–64 bytes of [A-Za-z0-9._-], unique. Required.
	ID string `json:"id" yaml:"id"`
	// URL is the http or https endpoint deliveries are POSTed to. Required.
	URL string `json:"url" yaml:"url"`
	// Secrets are the active signing secrets ("whsec_" + base64 of 24–64 random bytes). Every
	// delivery is signed with each of them, so two secrets let a receiver rotate without a
	// gap. At least one is required.
	Secrets []string `json:"secrets" yaml:"secrets"`
	// EventTypes filters deliveries to these event types (verdict.created, verdict.updated).
	// Empty means all.
	EventTypes []string `json:"event_types,omitempty" yaml:"event_types,omitempty"`
	// Scenes filters deliveries to these scenes (note, comment, nickname). Empty means all.
	Scenes []string `json:"scenes,omitempty" yaml:"scenes,omitempty"`
}

// ErrWebhookConfig is wrapped by every error of an invalid subscription file.
var ErrWebhookConfig = errors.New("invalid webhook configuration")

var subscriptionID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func (s Subscription) validate() error {
	if !subscriptionID.MatchString(s.ID) {
		return fmt.Errorf("%w: subscription id %q: want 1-64 bytes of [A-Za-z0-9._-]", ErrWebhookConfig, s.ID)
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: subscription %s: url must be an absolute http or https URL", ErrWebhookConfig, s.ID)
	}
	if len(s.Secrets) == 0 {
		return fmt.Errorf("%w: subscription %s: no secrets", ErrWebhookConfig, s.ID)
	}
	if _, err := webhookKeys(s.Secrets); err != nil {
		return fmt.Errorf("%w: subscription %s: %w", ErrWebhookConfig, s.ID, err)
	}
	for _, et := range s.EventTypes {
		if et != moderation.EventCreated && et != moderation.EventUpdated {
			return fmt.Errorf("%w: subscription %s: unknown event type %q", ErrWebhookConfig, s.ID, et)
		}
	}
	for _, sc := range s.Scenes {
		if !slices.Contains(moderation.Scenes, moderation.Scene(sc)) {
			return fmt.Errorf("%w: subscription %s: unknown scene %q", ErrWebhookConfig, s.ID, sc)
		}
	}
	return nil
}

func (s *Subscription) wants(v *moderation.Verdict) bool {
	return (len(s.EventTypes) == 0 || slices.Contains(s.EventTypes, v.EventType)) &&
		(len(s.Scenes) == 0 || slices.Contains(s.Scenes, string(v.Scene)))
}

// ParseSubscriptions parses a subscription file, YAML or JSON:
//
//	subscriptions:
//	  - id: shop
//	    url: https://hooks.example.com/trustd
//	    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]
//	    event_types: [verdict.created, verdict.updated]   # optional
//	    scenes: [note, comment]                           # optional
//
// Unknown fields are errors, so a typo cannot silently drop a filter.
func ParseSubscriptions(data []byte) ([]Subscription, error) {
	var f struct {
		Subscriptions []Subscription `yaml:"subscriptions"`
	}
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWebhookConfig, err)
	}
	seen := map[string]bool{}
	for _, s := range f.Subscriptions {
		if err := s.validate(); err != nil {
			return nil, err
		}
		if seen[s.ID] {
			return nil, fmt.Errorf("%w: duplicate subscription id %q", ErrWebhookConfig, s.ID)
		}
		seen[s.ID] = true
	}
	return f.Subscriptions, nil
}

// LoadSubscriptions reads and parses a subscription file (see ParseSubscriptions).
func LoadSubscriptions(path string) ([]Subscription, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhook subscriptions: %w", err)
	}
	subs, err := ParseSubscriptions(data)
	if err != nil {
		return nil, fmt.Errorf("webhook subscriptions %s: %w", path, err)
	}
	return subs, nil
}

// DefaultWebhookBackoff is the delay before each retry of a failed delivery: eight attempts
// spread over about 23.6 hours (a receiver down for a day still gets every event), each delay
// jittered by ±10 %. After the last attempt the task is archived (asynq inspector, queue
// "webhooks") and counted as gave_up.
var DefaultWebhookBackoff = []time.Duration{
	10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour,
}

// Webhook delivery results, the label values of trustd_webhook_deliveries_total.
const (
	webhookDelivered = "delivered" // the receiver answered 2xx
	webhookFailed    = "failed"    // an attempt failed and will be retried
	webhookGaveUp    = "gave_up"   // the last attempt failed (or it can never succeed): archived
)

// WebhooksConfig configures Webhooks.
type WebhooksConfig struct {
	// Redis is the client the webhooks queue lives on. Required. Webhooks does not close it.
	Redis redis.UniversalClient
	// Subscriptions are the receivers. Empty means no deliveries: Fanout does nothing and
	// workers do not poll the webhooks queue. Every process must have the same list: a
	// delivery whose subscription a worker does not know is given up.
	Subscriptions []Subscription
	// Timeout bounds one delivery (connect, send, response headers and body). Zero means 5 s.
	Timeout time.Duration
	// Backoff is the delay before each retry; len(Backoff)+1 attempts are made. Nil means
	// DefaultWebhookBackoff. Delays are jittered by ±10 %.
	Backoff []time.Duration
	// AllowPrivate permits receivers on loopback, private and link-local addresses. False (the
	// default) refuses them after DNS resolution, so a subscription cannot reach internal
	// services or the cloud metadata endpoint.
	AllowPrivate bool
	// Now is the clock that stamps webhook-timestamp. Nil means time.Now.
	Now func() time.Time
	// Logger receives delivery failures (subscription ids and event ids, never URLs). Nil
	// means slog.Default().
	Logger *slog.Logger
	// Registerer receives trustd_webhook_deliveries_total. Nil means none.
	Registerer prometheus.Registerer
}

// Webhooks fans verdict events out to subscriptions as asynq tasks on QueueWebhooks and
// delivers those tasks, signed per Standard Webhooks. The Publisher calls Fanout; a Worker
// with WorkerConfig.Webhooks set runs the deliveries. It is safe for concurrent use.
type Webhooks struct {
	cfg        WebhooksConfig
	subs       map[string]*Subscription
	keys       map[string][][]byte
	order      []*Subscription
	aq         *asynq.Client
	http       *http.Client
	deliveries *prometheus.CounterVec
}

// NewWebhooks validates cfg and fills defaults.
func NewWebhooks(cfg WebhooksConfig) (*Webhooks, error) {
	if cfg.Redis == nil {
		return nil, errors.New("queue: webhooks need a Redis client")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultWebhookBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &Webhooks{
		cfg:  cfg,
		subs: map[string]*Subscription{},
		keys: map[string][][]byte{},
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_webhook_deliveries_total",
			Help: "Webhook delivery attempts by result: delivered (2xx), failed (will be retried) or gave_up (last attempt failed; the task is archived).",
		}, []string{"result"}),
	}
	for _, r := range []string{webhookDelivered, webhookFailed, webhookGaveUp} {
		w.deliveries.WithLabelValues(r)
	}
	for i := range cfg.Subscriptions {
		s := &cfg.Subscriptions[i]
		if err := s.validate(); err != nil {
			return nil, err
		}
		if w.subs[s.ID] != nil {
			return nil, fmt.Errorf("%w: duplicate subscription id %q", ErrWebhookConfig, s.ID)
		}
		w.keys[s.ID], _ = webhookKeys(s.Secrets)
		w.subs[s.ID] = s
		w.order = append(w.order, s)
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(w.deliveries); err != nil {
			return nil, fmt.Errorf("register webhook metrics: %w", err)
		}
	}
	w.aq = asynq.NewClientFromRedisClient(cfg.Redis)
	dialer := netguard.Dialer(cfg.Timeout, cfg.AllowPrivate)
	w.http = &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   cfg.Timeout,
			ResponseHeaderTimeout: cfg.Timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		// Redirects are not followed (Standard Webhooks): a 3xx is a failed attempt, and no
		// redirect can lead the dialer somewhere the subscription did not name.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return w, nil
}

// Active reports whether there is at least one subscription.
func (w *Webhooks) Active() bool { return w != nil && len(w.order) > 0 }

// Fanout enqueues one delivery task per subscription that wants v; body is v's JSON, sent
// verbatim as the request body. Task ids are derived from (subscription, event_id), so
// calling Fanout again for the same event (a retried publish) enqueues nothing new while the
// first delivery is queued, retrying or archived. Nil-safe.
func (w *Webhooks) Fanout(ctx context.Context, v *moderation.Verdict, body []byte) error {
	if !w.Active() {
		return nil
	}
	for _, s := range w.order {
		if !s.wants(v) {
			continue
		}
		t, err := NewWebhookTask(WebhookPayload{Subscription: s.ID, EventID: v.EventID,
			EventType: v.EventType, Body: body}, len(w.cfg.Backoff))
		if err != nil {
			return err
		}
		if _, err := w.aq.EnqueueContext(ctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return fmt.Errorf("enqueue webhook %s for %s: %w", v.EventID, s.ID, err)
		}
	}
	return nil
}

// RetryDelay is the asynq RetryDelayFunc of webhook tasks: Backoff[n] with ±10 % jitter.
func (w *Webhooks) RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	b := w.cfg.Backoff
	if len(b) == 0 {
		return 0
	}
	d := b[min(n, len(b)-1)]
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// ErrWebhookStatus is wrapped by the error of a delivery the receiver answered with a non-2xx
// status.
var ErrWebhookStatus = errors.New("webhook receiver status")

// ProcessTask delivers one TypeWebhook task (asynq.Handler).
func (w *Webhooks) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := DecodeWebhookPayload(t.Payload())
	if err != nil {
		w.deliveries.WithLabelValues(webhookGaveUp).Inc()
		return err
	}
	s := w.subs[p.Subscription]
	if s == nil {
		w.deliveries.WithLabelValues(webhookGaveUp).Inc()
		return fmt.Errorf("webhook %s: subscription %q is not configured on this worker: %w",
			p.EventID, p.Subscription, asynq.SkipRetry)
	}
	err = w.deliver(ctx, s, p)
	if err == nil {
		w.deliveries.WithLabelValues(webhookDelivered).Inc()
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if errors.Is(err, netguard.ErrBlocked) {
		err = fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if retried >= maxRetry || errors.Is(err, asynq.SkipRetry) {
		w.deliveries.WithLabelValues(webhookGaveUp).Inc()
		w.cfg.Logger.LogAttrs(ctx, slog.LevelError, "webhook_gave_up",
			slog.String("subscription", s.ID), slog.String("event_id", p.EventID),
			slog.Int("attempts", retried+1), slog.String("error", err.Error()))
	} else {
		w.deliveries.WithLabelValues(webhookFailed).Inc()
	}
	return fmt.Errorf("webhook %s to %s (attempt %d): %w", p.EventID, s.ID, retried+1, err)
}

func (w *Webhooks) deliver(ctx context.Context, s *Subscription, p *WebhookPayload) error {
	ts := w.cfg.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(p.Body))
	if err != nil {
		return fmt.Errorf("build request: %w: %w", errors.New("bad url"), asynq.SkipRetry)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "trustd-webhooks/1")
	req.Header.Set(HeaderWebhookID, p.EventID)
	req.Header.Set(HeaderWebhookTimestamp, fmt.Sprint(ts))
	req.Header.Set(HeaderWebhookSignature, signWithKeys(w.keys[s.ID], p.EventID, ts, p.Body))
	resp, err := w.http.Do(req)
	if err != nil {
		// *url.Error carries the URL, which may hold a token: keep only the cause.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return fmt.Errorf("post: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w %d", ErrWebhookStatus, resp.StatusCode)
	}
	return nil
}

// Close releases the enqueue client and idle connections. It does not close the Redis client.
// Nil-safe.
func (w *Webhooks) Close() error {
	if w == nil {
		return nil
	}
	w.http.CloseIdleConnections()
	return w.aq.Close()
}
