// Package review is trustd's moderator review: a review store in Redis, a JSON HTTP API with
// authentication, and an embedded moderator web page.
//
// # Store
//
// The worker calls Submit for every verdict. Review verdicts become review items in one of the
// queues of Queues, chosen by their labels (DefaultRoute); a deterministic Sampler picks pass,
// limit and block verdicts for the audit_sample queue; anything else is ignored without a
// round trip. Submit is idempotent per (scene, id, revision).
//
// Each queue is a sorted set ordered by priority, then age. A moderator claims the next item
// with a lease (a random token valid for Config.LeaseTTL); Heartbeat extends it, Release gives
// the item back in its old place, and an expired lease returns the item to its queue on the
// next Claim, Reap or QueueStats. Every state change is one Lua script, so any number of API
// processes can share a Redis and no item is ever held by two moderators.
//
// Decide needs the lease token. Approve (→ pass), limit, remove (→ block) and, on appeals,
// uphold are final: in one script the decision is stored, an audit entry is appended to the
// audit stream and the verdict.updated event is written to an outbox; the event is then
// published through the Publisher and removed from the outbox (FlushOutbox or Run redeliver
// what a crash or a failed publish left behind, at least once, same event_id). A second
// decision gets a *ConflictError carrying the stored decision. Escalate and move put the item
// into another queue and publish nothing. Bulk decides up to MaxBulk pending items with a
// required reason. Appeal re-opens a decided item once, in the appeals queue.
//
// Approving an item counts an overturn per dictionary and category of its hits
// (trustd_review_overturns_total) and may add allow entries through AllowLister; removing may
// add its images to a bank through ImageBanker.
//
// # HTTP API and page
//
// API.Register adds the JSON API under /v1/review/ and /v1/appeals and the page under /review/.
// Callers authenticate with bearer tokens (configured by their SHA-256, roles moderator, admin,
// service), a browser session (HttpOnly, SameSite=Strict, Secure cookie; opened by the login
// form, a one-time LoginURL or a trusted SSO proxy header) and every state-changing request of
// a session carries the X-CSRF-Token the page embeds. No credentials is 401, a wrong role 403.
//
// The page is html/template + go:embed with plain JavaScript and CSS. Highlights are computed
// on the server from the verdict's byte offsets (Segments), so the browser never converts
// offsets. Keyboard: a approve, r remove, l limit, e escalate, s skip, j/k next/previous
// highlight, ? help.
//
// # Wiring
//
//	store, err := review.NewStore(review.Config{
//		Client:     rdb,                     // redis.UniversalClient
//		Publisher:  publisher,               // stream + webhooks, e.g. the queue publisher
//		Sampler:    review.Sampler{PassRate: 0.001, BlockRate: 0.01},
//		Registerer: reg,                     // in one process only, or register once
//		Logger:     logger,
//	})
//	// worker, after publishing each verdict:
//	err = store.Submit(ctx, item, verdict)
//
//	api, err := review.NewAPI(review.APIConfig{Store: store, Auth: *authCfg})
//	api.Register(mux)
//	go store.Run(ctx, 30*time.Second) // reaps leases, flushes the outbox
package review
