package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// ImageReader reads the text inside images: one string per URL, in order ("" for none or
// for an image that could not be read). It returns an error only when the text could not be
// read for a reason worth retrying (ctx ended). *imagetext.Reader implements it.
type ImageReader interface {
	ReadURLs(ctx context.Context, urls []string) ([]string, error)
}

// ImageReaderFunc adapts a function to ImageReader.
type ImageReaderFunc func(ctx context.Context, urls []string) ([]string, error)

// ReadURLs calls f.
func (f ImageReaderFunc) ReadURLs(ctx context.Context, urls []string) ([]string, error) {
	return f(ctx, urls)
}

// OCRWorkerConfig configures an OCRWorker.
type OCRWorkerConfig struct {
	// Redis is the client the queues live on. Required. The OCRWorker does not close it.
	Redis redis.UniversalClient
	// Reader reads the text inside images. Required.
	Reader ImageReader
	// Rules supplies the rules the text is checked with. Required.
	Rules moderation.RulesSource
	// Publisher publishes the verdict.updated events. Required.
	Publisher *Publisher
	// Hooks run for each verdict.updated before it is published, like the Worker's (review
	// intake files an item that the image text turned to review). They must be idempotent
	// per item revision, as the Worker's are: then nothing of the first run is repeated.
	Hooks []VerdictHook
	// Concurrency is the number of OCR tasks processed at once. Zero means 1: OCR is
	// CPU-bound, and this server is apart from the moderation one, so it never delays text
	// verdicts.
	Concurrency int
	// TaskCheckInterval is how often an idle OCR worker polls. Zero means 1 s.
	TaskCheckInterval time.Duration
	// ShutdownTimeout bounds how long Shutdown waits for in-flight tasks. Zero means 25 s.
	ShutdownTimeout time.Duration
	// Logger receives logs (ids, never text or URLs). Nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives trustd_ocr_tasks_total. Nil means none.
	Registerer prometheus.Registerer
	// Now returns the current time (decided_at). Nil means time.Now.
	Now func() time.Time
}

// OCRWorker processes the QueueOCR tasks with its own asynq server: it reads the text inside
// the images of an item that already has its verdict, re-decides with that text and
// publishes a verdict.updated when the decision or the labels change.
type OCRWorker struct {
	cfg   OCRWorkerConfig
	srv   *asynq.Server
	tasks *prometheus.CounterVec
}

// Results of OCR tasks, the label values of trustd_ocr_tasks_total.
const (
	ocrUpdated   = "updated"   // a verdict.updated was published
	ocrUnchanged = "unchanged" // the image text changed neither decision nor labels
	ocrModerator = "moderator" // a moderator decided the item: left alone
	ocrStale     = "stale"     // a newer revision was moderated: left alone
	ocrPending   = "pending"   // the verdict.created is not published yet: retried
	ocrFailed    = "error"     // Redis or payload error
)

// errVerdictPending means the verdict.created an OCR task follows is not published yet (the
// enqueue hook runs just before publication): the task is retried shortly.
var errVerdictPending = errors.New("verdict not published yet")

// NewOCRWorker validates cfg, fills defaults and returns an OCRWorker that is not started.
func NewOCRWorker(cfg OCRWorkerConfig) (*OCRWorker, error) {
	switch {
	case cfg.Redis == nil:
		return nil, errors.New("queue: ocr worker needs a Redis client")
	case cfg.Reader == nil:
		return nil, errors.New("queue: ocr worker needs an ImageReader")
	case cfg.Rules == nil:
		return nil, errors.New("queue: ocr worker needs rules")
	case cfg.Publisher == nil:
		return nil, errors.New("queue: ocr worker needs a Publisher")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.TaskCheckInterval <= 0 {
		cfg.TaskCheckInterval = time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 25 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &OCRWorker{cfg: cfg, tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustd_ocr_tasks_total",
		Help: "OCR tasks by result (updated, unchanged, moderator, stale, pending, error).",
	}, []string{"result"})}
	for _, r := range []string{ocrUpdated, ocrUnchanged, ocrModerator, ocrStale, ocrPending, ocrFailed} {
		w.tasks.WithLabelValues(r)
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(w.tasks); err != nil {
			return nil, fmt.Errorf("register ocr worker metrics: %w", err)
		}
	}
	w.srv = asynq.NewServerFromRedisClient(cfg.Redis, asynq.Config{
		Concurrency:       cfg.Concurrency,
		Queues:            map[string]int{QueueOCR: 1},
		TaskCheckInterval: cfg.TaskCheckInterval,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		Logger:            NewAsynqLogger(cfg.Logger),
		LogLevel:          asynq.WarnLevel,
		RetryDelayFunc:    ocrRetryDelay,
	})
	return w, nil
}

// ocrRetryDelay retries a task waiting for its verdict.created after a second, and others
// as asynq does by default.
func ocrRetryDelay(n int, err error, t *asynq.Task) time.Duration {
	if errors.Is(err, errVerdictPending) || errors.Is(err, asynq.ErrLeaseExpired) {
		return time.Second
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// Handler returns the task handler.
func (w *OCRWorker) Handler() asynq.Handler {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeOCR, w.process)
	return mux
}

// Start starts processing OCR tasks in the background.
func (w *OCRWorker) Start() error {
	if err := w.srv.Start(w.Handler()); err != nil {
		return fmt.Errorf("start ocr worker: %w", err)
	}
	return nil
}

// Stop stops fetching new tasks; call Shutdown afterwards.
func (w *OCRWorker) Stop() { w.srv.Stop() }

// Shutdown waits up to ShutdownTimeout for in-flight tasks, then returns the rest to the
// queue. It is safe to call more than once.
func (w *OCRWorker) Shutdown() { w.srv.Shutdown() }

func (w *OCRWorker) process(ctx context.Context, t *asynq.Task) error {
	it, err := DecodeOCRPayload(t.Payload())
	if err != nil {
		w.tasks.WithLabelValues(ocrFailed).Inc()
		return err
	}
	result, err := w.run(ctx, it)
	w.tasks.WithLabelValues(result).Inc()
	w.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "ocr_task", slog.String("key", it.Key().String()), slog.String("result", result))
	return err
}

// run does the work of one OCR task and returns its result.
func (w *OCRWorker) run(ctx context.Context, it *moderation.Item) (string, error) {
	k := it.Key()
	base, raw, err := w.cfg.Publisher.latestRaw(ctx, it.Scene, it.ID)
	switch {
	case errors.Is(err, ErrNotFound) || (err == nil && base.Revision < it.Revision):
		return ocrPending, fmt.Errorf("ocr %s: %w", k, errVerdictPending)
	case err != nil:
		return ocrFailed, err
	case base.Revision > it.Revision:
		return ocrStale, nil
	case base.EventID == moderation.OCRUpdatedEventID(k):
		return ocrUpdated, w.cfg.Publisher.resendOCRUpdate(ctx, k)
	case base.DecidedBy != moderation.DecidedByAuto:
		return ocrModerator, nil
	}
	var urls []string
	var index []int
	for _, r := range base.Images {
		if r.Status == moderation.ImageOK && r.Index < len(it.Images) {
			urls, index = append(urls, it.Images[r.Index].URL), append(index, r.Index)
		}
	}
	read, err := w.cfg.Reader.ReadURLs(ctx, urls)
	if err != nil {
		return ocrFailed, fmt.Errorf("ocr %s: %w", k, err)
	}
	texts := make([]string, len(it.Images))
	for j, s := range read {
		texts[index[j]] = s
	}
	v, changed := moderation.RedecideImageText(w.cfg.Rules.Rules(), it, base, texts, w.cfg.Now())
	if !changed {
		return ocrUnchanged, nil
	}
	for _, h := range w.cfg.Hooks {
		if err := h.OnVerdict(ctx, it, v); err != nil {
			return ocrFailed, fmt.Errorf("verdict hook for %s: %w", k, err)
		}
	}
	if _, err := w.cfg.Publisher.PublishOCRUpdate(ctx, v, raw); err != nil {
		if errors.Is(err, ErrVerdictChanged) {
			return ocrModerator, nil
		}
		return ocrFailed, err
	}
	return ocrUpdated, nil
}
