package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// OCREnqueuer is the VerdictHook that enqueues the OCR task of every item with at least one
// image that was fetched and decoded. Put it last among the Worker's hooks: it runs just
// before the verdict.created is published, and the OCR task waits for that publication.
type OCREnqueuer struct {
	aq *asynq.Client
}

var _ VerdictHook = (*OCREnqueuer)(nil)

// NewOCREnqueuer returns an OCREnqueuer on rdb. It does not close rdb.
func NewOCREnqueuer(rdb redis.UniversalClient) *OCREnqueuer {
	return &OCREnqueuer{aq: asynq.NewClientFromRedisClient(rdb)}
}

// OnVerdict enqueues the OCR task of it. A task already queued for the revision (a
// retried moderation task) is not an error.
func (e *OCREnqueuer) OnVerdict(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error {
	if !slices.ContainsFunc(v.Images, func(r moderation.ImageResult) bool { return r.Status == moderation.ImageOK }) {
		return nil
	}
	t, err := NewOCRTask(it)
	if err != nil {
		return err
	}
	if _, err := e.aq.EnqueueContext(ctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue ocr %s: %w", it.Key(), err)
	}
	return nil
}
