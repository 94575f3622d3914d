package queue

import (
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// TestRetryDelay: a task whose worker died is retried after a second (it has already waited
// out its lease); any other failure backs off as asynq does by default (at least 15 s).
func TestRetryDelay(t *testing.T) {
	t.Parallel()
	w := &Worker{}
	task := asynq.NewTask(TypeModerate, nil)
	if d := w.retryDelay(1, asynq.ErrLeaseExpired, task); d != time.Second {
		t.Errorf("after an expired lease: %v, want 1s", d)
	}
	if d := w.retryDelay(1, errors.New("redis: connection refused"), task); d < 15*time.Second {
		t.Errorf("after a failure: %v, want asynq's backoff (≥ 15s)", d)
	}
}
