// Package trust holds trustd's trust-across-items mechanisms: what single-item checks miss
// because it lives between items. Each mechanism keeps small, TTL'd state in Redis and plugs
// into the pipeline as a moderation.Signaler (run after text and images) or into the worker as
// a queue.VerdictHook (run for each new verdict before it is published).
//
// # Author strikes
//
// Strikes.OnVerdict (a VerdictHook) records every automatic block as a strike: a member
// "scene:id:revision" of the sorted set {prefix}strikes:{author_id}, scored by time, trimmed to
// the window (24 h) and to 100 members, expiring a window after the last strike. The member is
// the item revision's key, so a retried task records one strike. Strikes.Signals raises an
// author signal (no label) of at least review from 3 strikes in the window, block from
// StrikesConfig.Block (off by default), and review from 1 strike for new accounts: the item's
// meta may carry "author_created_at" (RFC 3339, MetaAuthorCreatedAt); younger than 7 days is
// new. The item's own earlier strike is not counted against it. The verdict's reasons show
// the signal: "signal : author u-42: 3 strikes in 24h → review".
//
// Moderators' removals count too: ModeratorStrikes reads the verdict stream in a consumer group
// (one process of the deployment handles each event, whichever API process the moderator used)
// and records a strike for every verdict.updated decided by a moderator as limit or block, under
// the same item-revision member, so removing an item that was already blocked automatically, a
// re-delivered event or a second decision on the revision is one strike. A moderator's approval
// withdraws the revision's strike: an overturned false positive does not escalate its author.
//
// # Floods
//
// Floods.Signals fingerprints notes and comments whose canonical text (Canonical: the
// normaliser's key — case-folded, NFKD without marks, confusables folded, traditional to
// simplified, punctuation, emoji and white space dropped, runs collapsed) has at least 10
// runes: a MinHash over 3-rune shingles in 8 bands of 2 rows (FingerprintOf). Postings that
// share a band and agree on at least 3 of the 8 bands are the same text; from 10 distinct
// authors (this one included) in the window (1 h) the item is labelled flood (review), from 50
// blocked. A one-character edit of a 20-character text usually agrees on 4–6 bands; unrelated
// texts, even sharing a phrase, on 0–1. Short stock replies (好看, 求链接) are never
// fingerprinted, and one author repeating a text counts once. Only the postings from the
// threshold on are labelled; earlier ones are not revisited.
//
// A text that agrees on 3 of 8 bands agrees on at least one of any 6, so the posting is
// recorded in, and looked up by, the sorted sets of the first 6 bands only,
// {prefix}flood:{band}:{band hash}, member "{short fingerprint}|{author_id}", scored by time,
// kept to the newest 256 and expiring a window after the last write (reads skip postings
// older than the window). One round trip writes the posting and reads the newest 50 postings
// (the block threshold) of each set: in a flood that settles the item, and the reason then
// says "at least 50 authors". Only when fewer agreeing authors are found while a set held
// more is the rest of those sets read, in a second round trip.
//
// # One round trip
//
// Combine(strikes, floods, split) is the Signaler the binary uses: the three mechanisms queue
// their commands on one pipeline, so an item costs one Redis round trip for all three
// (strikes: ZCOUNT, ZSCORE; floods: ZRANGE, ZADD, ZREMRANGEBYRANK, PEXPIRE per band; split:
// ZRANGE, ZADD, ZREMRANGEBYSCORE, ZREMRANGEBYRANK, PEXPIRE) instead of one each. Every command touches one key, so
// the pipeline works on a Redis Cluster. A mechanism that fails gives a review signal with
// the reason; the others' signals stand. Each mechanism also works alone as a Signaler.
//
// # Split contacts
//
// SplitContacts.Signals keeps, per author, the last 40 bytes of each of the last 8 items
// within 10 minutes ({prefix}tail:{author_id}, member "scene:id:revision\x1f{tail}"), joins
// them (oldest first, with a space) with the head of the current item's title and body, and
// runs the contact detector (ContactDetector; in the binary one that follows the live rules'
// variant tables). A contact counts when it spans at least two pieces, one of them the current
// item, and the single-item scan did not find the same value: "电话 138" · "0013" · "8000" from
// one author gives the signal "phone contact split over comment:c-1:1, comment:c-2:1,
// comment:c-3:1" (label contact, review). A WeChat id split between a note's title and body is
// found the same way.
//
// # Audit agreement
//
// The review store samples automatic pass/limit/block verdicts into the audit_sample queue
// (review.Sampler; flags --audit-pass-rate, --audit-block-rate) and appends every moderator
// decision to its audit stream. Audit reads that stream in a consumer group (each decision
// counted by one process, abandoned entries claimed after a minute) and counts
// trustd_audit_agreements_total{decision,outcome}: decision the automatic one, outcome the
// moderator's (pass, limit, block). Estimate computes agreement, precision and recall from
// counts and verdict totals; the same in PromQL (positives are limit and block):
//
//	agreement = sum(rate(trustd_audit_agreements_total{decision=outcome}[1d]))  # per pair, summed
//	precision = sum(rate(trustd_audit_agreements_total{decision=~"limit|block",outcome=~"limit|block"}[1d]))
//	          / sum(rate(trustd_audit_agreements_total{decision=~"limit|block"}[1d]))
//	miss      = sum(rate(trustd_audit_agreements_total{decision="pass",outcome=~"limit|block"}[1d]))
//	          / sum(rate(trustd_audit_agreements_total{decision="pass"}[1d]))
//	recall    = precision * P / (precision * P + miss * N)
//	  with P = sum(rate(trustd_verdicts_total{decision=~"limit|block"}[1d])),
//	       N = sum(rate(trustd_verdicts_total{decision="pass"}[1d]))
//
// # Shadow rules
//
// Shadow runs a second rules snapshot beside the live one and records what it would have
// decided (trustd_shadow_decisions_total{live,shadow}; items that differ go to the capped stream
// trustd:shadow:diffs with ids and both versions); it never changes a verdict. In the binary the
// shadow snapshot is a rules bundle in Redis (rules.Bundles, slot shadow) that every process
// follows like the live rules: an admin uploads a directory (`trustd rules shadow set DIR` or
// PUT /v1/rules/shadow, validated by compiling it and running its examples), watches the diffs,
// then promotes it (every process's live rules become the bundle, in place of --rules, until
// reset) or demotes it (drops it). Without a shadow bundle Shadow compares nothing and
// trustd_shadow_active is 0.
//
// # Metrics
//
// trustd_author_strikes_recorded_total, trustd_author_strike_signals_total{decision},
// trustd_author_strike_errors_total, trustd_flood_checks_total,
// trustd_flood_signals_total{decision}, trustd_flood_errors_total,
// trustd_split_contact_signals_total{type}, trustd_split_contact_errors_total,
// trustd_moderator_strikes_total{outcome}, trustd_shadow_decisions_total{live,shadow},
// trustd_shadow_errors_total, trustd_shadow_active, trustd_audit_agreements_total{decision,outcome}.
// The dashboard trustd-trust (dashboards/trust.json) shows them; alerts TrustdTrustSignalErrors,
// TrustdFloodWave and TrustdAuditPrecisionLow watch them. Label values are closed sets, initialised
// to 0. A Redis error in a Signaler makes the pipeline send the item to review with the reason
// (moderation.Pipeline); a Redis error in the strikes hook fails the task, which is retried.
//
// # Memory
//
// Measured with a private redis-server 7.0 (jemalloc, listpack encodings) by
//
//	go test ./moderation/trust/ -run TestMemory -v -trust.memory=1000000
//
// which writes 1M authors (or distinct texts) through the real mechanisms (32 concurrent
// callers) and divides the growth of INFO used_memory by the number of authors or texts;
// MEMORY USAGE gives single keys. CI runs the same test with 10,000 and asserts per-key and
// per-object bounds, that 1000 sampled keys all expire within their window, and that one author
// or text cannot grow a key past its member cap.
//
//	load (1M)                          used_memory growth      MEMORY USAGE of one key
//	strikes: authors with one strike   177.4 B/author          104 B (1 strike), 3144 B (100, the cap)
//	split tails: authors, 1 fragment   209.4 B/author          152 B (1 fragment), 712 B (8, the cap)
//	floods: distinct texts             1190.7 B/text (6 keys)  136 B per band key with one posting
//
// (Strikes and split tails measured before the one-round-trip change, which did not change
// their keys; floods re-measured with 6 keys per text, down from 8 and 1542.7 B/text.) A flood
// text costs 6 small sorted sets, one per band it is recorded in: about 1.2 GB per million
// distinct texts posted within the hour window; shrink Window, or raise MinRunes, where that is
// too much.
// Every key expires one window after its last write (24 h, 10 min, 1 h) and is capped in
// members (100, 8, 256), so memory is bounded by (authors with a strike in the last day ×
// ~180 B) + (authors active in the last 10 minutes × ~210 B) + (texts posted in the last hour ×
// ~1.2 kB), whatever the total number of authors.
//
// # Usage
//
//	opts := trust.Options{Redis: rdb, Registerer: reg, Logger: log}
//	strikes, _ := trust.NewStrikes(trust.StrikesConfig{Options: opts})
//	floods, _ := trust.NewFloods(trust.FloodConfig{Options: opts})
//	split, _ := trust.NewSplitContacts(trust.SplitConfig{Options: opts, Detector: detector})
//	signals, _ := trust.Combine(strikes, floods, split) // one round trip per item
//	p, _ := moderation.New(moderation.Config{Rules: src, Signalers: []moderation.Signaler{signals}})
//	w, _ := queue.NewWorker(queue.WorkerConfig{Moderator: p, Hooks: []queue.VerdictHook{strikes}, ...})
//	audit, _ := trust.NewAudit(trust.AuditConfig{Options: opts})
//	go audit.Run(ctx)
//	moderated, _ := trust.NewModeratorStrikes(trust.ModeratorStrikesConfig{Options: opts, Strikes: strikes})
//	go moderated.Run(ctx)
//
// In the binary, openTrust (cmd/trustd/trust.go) does this for every process with Redis.
package trust
