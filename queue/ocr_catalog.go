package queue

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/trustd/trustd/moderation"
)

// TypeOCR reads the text inside the images of an item whose verdict.created was published,
// and publishes a verdict.updated when that text changes the decision or the labels. The
// payload is an OCRPayload.
const TypeOCR = "trustd:ocr"

// QueueOCR is the queue of OCR tasks. Only an OCRWorker polls it, with its own asynq server
// and concurrency, so slow OCR never takes a slot from moderation tasks.
const QueueOCR = "ocr"

// Defaults for OCR tasks.
const (
	// DefaultOCRMaxRetry bounds retries of an OCR task: waiting for the verdict.created it
	// follows, Redis errors, a worker stopped mid-task.
	DefaultOCRMaxRetry = 5
	// DefaultOCRTaskTimeout bounds one OCR attempt, every image included.
	DefaultOCRTaskTimeout = 5 * time.Minute
)

// OCRPayload is the payload of a TypeOCR task: the item as it was moderated. The verdict it
// re-decides is read from the latest verdict when the task runs, so that a moderator's
// decision in the meantime is seen (and never overridden).
type OCRPayload struct {
	Item *moderation.Item `json:"item"`
}

// OCRTaskID is the asynq task id of the OCR task of an item revision: "ocr:scene:id:revision".
func OCRTaskID(k moderation.Key) string { return "ocr:" + k.String() }

// NewOCRTask returns the OCR task of item it.
func NewOCRTask(it *moderation.Item) (*asynq.Task, error) {
	payload, err := json.Marshal(OCRPayload{Item: it})
	if err != nil {
		return nil, fmt.Errorf("encode ocr task %s: %w", it.Key(), err)
	}
	return asynq.NewTask(TypeOCR, payload,
		asynq.TaskID(OCRTaskID(it.Key())),
		asynq.Queue(QueueOCR),
		asynq.MaxRetry(DefaultOCRMaxRetry),
		asynq.Timeout(DefaultOCRTaskTimeout),
	), nil
}

// DecodeOCRPayload decodes and validates an OCR task payload; an invalid one wraps
// asynq.SkipRetry.
func DecodeOCRPayload(payload []byte) (*moderation.Item, error) {
	var p OCRPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("decode %s payload: %w: %w", TypeOCR, err, asynq.SkipRetry)
	}
	if p.Item == nil {
		return nil, fmt.Errorf("decode %s payload: no item: %w", TypeOCR, asynq.SkipRetry)
	}
	if err := p.Item.Validate(); err != nil {
		return nil, fmt.Errorf("decode %s payload: %w: %w", TypeOCR, err, asynq.SkipRetry)
	}
	return p.Item, nil
}
