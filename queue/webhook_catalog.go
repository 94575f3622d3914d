package queue

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeWebhook delivers one verdict event to one webhook subscription; the payload is a
// WebhookPayload. It is part of the task catalog (see catalog.go).
const TypeWebhook = "trustd:webhook"

// QueueWebhooks is the queue webhook deliveries run on, apart from moderation, so that a slow
// or failing receiver never starves moderation. Workers with subscriptions poll it at weight
// 1 next to realtime 6 and bulk 1.
const QueueWebhooks = "webhooks"

// webhookTaskTimeout bounds one delivery attempt as a task; the HTTP request itself is bounded
// by WebhooksConfig.Timeout (5 s by default).
const webhookTaskTimeout = 30 * time.Second

// WebhookPayload is the payload of a TypeWebhook task. It names the subscription, not its URL
// or secrets, so that secrets never reach Redis and a rotated secret applies to retries.
type WebhookPayload struct {
	Subscription string          `json:"subscription"`
	EventID      string          `json:"event_id"`
	EventType    string          `json:"event_type"`
	Body         json.RawMessage `json:"body"`
}

// WebhookTaskID is the asynq task id of one event's delivery to one subscription; enqueueing
// the same event twice while the first delivery is pending, retrying or archived is a no-op.
func WebhookTaskID(subscription, eventID string) string {
	return "webhook:" + subscription + ":" + eventID
}

// NewWebhookTask returns the task that delivers p, attempted at most maxRetry+1 times.
func NewWebhookTask(p WebhookPayload, maxRetry int) (*asynq.Task, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode webhook %s for %s: %w", p.EventID, p.Subscription, err)
	}
	return asynq.NewTask(TypeWebhook, payload,
		asynq.TaskID(WebhookTaskID(p.Subscription, p.EventID)),
		asynq.Queue(QueueWebhooks),
		asynq.MaxRetry(maxRetry),
		asynq.Timeout(webhookTaskTimeout),
	), nil
}

// DecodeWebhookPayload decodes a TypeWebhook payload; an undecodable payload wraps
// asynq.SkipRetry.
func DecodeWebhookPayload(payload []byte) (*WebhookPayload, error) {
	var p WebhookPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("decode %s payload: %w: %w", TypeWebhook, err, asynq.SkipRetry)
	}
	if p.Subscription == "" || p.EventID == "" || len(p.Body) == 0 {
		return nil, fmt.Errorf("decode %s payload: missing subscription, event_id or body: %w", TypeWebhook, asynq.SkipRetry)
	}
	return &p, nil
}
