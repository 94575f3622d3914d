package main

import (
	"flag"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/queue"
)

// webhookFlags say where the webhook subscriptions are (DESIGN §7.2).
type webhookFlags struct {
	file         string
	allowPrivate bool
}

func (f *webhookFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&f.file, "webhooks", e.Getenv("TRUSTD_WEBHOOKS_FILE"),
		"webhook subscriptions file, YAML or JSON (env TRUSTD_WEBHOOKS_FILE; empty: no webhooks). Every worker and api process needs the same file")
	fs.BoolVar(&f.allowPrivate, "webhooks-allow-private", e.Getenv("TRUSTD_WEBHOOKS_ALLOW_PRIVATE") != "",
		"allow webhook receivers on loopback and private addresses (env TRUSTD_WEBHOOKS_ALLOW_PRIVATE; off: refused as SSRF)")
}

// openWebhooks loads the subscriptions and sets st.webhooks. It always does when there is
// Redis, with no subscriptions when no file is given, so that every worker and api exports
// trustd_webhook_deliveries_total.
func openWebhooks(st *stack, o stackOptions) error {
	if o.rdb == nil {
		return nil
	}
	var subs []queue.Subscription
	if o.webhooks.file != "" {
		var err error
		if subs, err = queue.LoadSubscriptions(o.webhooks.file); err != nil {
			return fmt.Errorf("%w: --webhooks: %v", errUsage, err)
		}
	}
	wh, err := queue.NewWebhooks(queue.WebhooksConfig{Redis: o.rdb, Subscriptions: subs,
		AllowPrivate: o.webhooks.allowPrivate, Registerer: o.reg, Logger: o.log})
	if err != nil {
		return err
	}
	st.webhooks = wh
	st.closers = append(st.closers, func() { _ = wh.Close() })
	return nil
}

// newPublisher returns the verdict publisher of a process: every event it publishes (the
// worker's verdict.created, the review API's verdict.updated) also fans out to the webhooks.
func newPublisher(rdb redis.UniversalClient, st *stack) (*queue.Publisher, error) {
	return queue.NewPublisher(queue.PublisherConfig{Redis: rdb, Webhooks: st.webhooks})
}
