package trust

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every Redis key of this package unless Options.Prefix says otherwise.
const DefaultPrefix = "trustd:trust:"

// ErrInvalidConfig is wrapped by every configuration error of the constructors.
var ErrInvalidConfig = errors.New("trust: invalid config")

// Options are the settings every mechanism of the package shares.
type Options struct {
	// Redis holds the counters. Required.
	Redis redis.UniversalClient
	// Prefix starts every key. Empty means DefaultPrefix. Every key holds the state of one
	// author or one fingerprint and every command touches one key, so the keys spread over a
	// Redis Cluster without hash tags.
	Prefix string
	// Now returns the current time; windows are judged by it. Nil means time.Now. Processes
	// sharing a Redis must have roughly synchronised clocks.
	Now func() time.Time
	// Registerer receives the mechanism's metrics. Nil means they are not registered.
	Registerer prometheus.Registerer
	// Logger receives operational logs (ids, hashes and counts only, never user text). Nil
	// means slog.Default().
	Logger *slog.Logger
}

func (o *Options) fill(what string) error {
	if o.Redis == nil {
		return fmt.Errorf("%w: %s: Redis is required", ErrInvalidConfig, what)
	}
	o.Prefix = cmp.Or(o.Prefix, DefaultPrefix)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

func register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	if reg == nil {
		return nil
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register trust metrics: %w", err)
		}
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// human renders a window for reasons: "24h", "10m", "90s".
func human(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return d.String()
	}
}
