// Package queue connects platform services, Redis and the moderation pipeline: the asynq task
// catalog (the only place tasks are built), the Client that services embed to submit items,
// the Worker that runs the pipeline, the Publisher that appends verdicts to the Redis Stream,
// and the ingest HTTP API.
//
// A platform service submits:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	c, _ := queue.NewClient(queue.ClientConfig{Redis: rdb})
//	res, err := c.Submit(ctx, &moderation.Item{ID: "note-1", Scene: "note", AuthorID: "u-1", Body: "…"})
//	// res is queue.Accepted, or queue.Duplicate for a (scene, id, revision) already submitted
//
// A worker process moderates and publishes:
//
//	pub, _ := queue.NewPublisher(queue.PublisherConfig{Redis: rdb})
//	w, _ := queue.NewWorker(queue.WorkerConfig{Redis: rdb, Moderator: pipeline, Publisher: pub})
//	_ = w.Start()
//	…
//	w.Stop()     // no new tasks
//	w.Shutdown() // in-flight tasks finish within ShutdownTimeout, the rest return to the queue
//
// Exactly-once publication: the task id is "scene:id:revision", so asynq refuses a second task
// for a revision that is queued, running, retrying or archived. The Publisher sets a marker
// with SET NX and XADDs in one Lua script, so a task re-delivered after a crash publishes no
// second verdict.created; the worker checks the marker before moderating, so it is not
// moderated twice either. The marker's lifetime (DedupWindow, 24 h) is the dedup window.
// Consumers read the stream with consumer groups (at least once) and deduplicate on event_id.
package queue
