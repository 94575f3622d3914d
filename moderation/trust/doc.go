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
// the signal: "signal : author u-42: 3 blocks in 24h → review".
//
// # Floods
//
// Floods.Signals fingerprints notes and comments whose canonical text (Canonical: the
// normaliser's key — case-folded, NFKD without marks, confusables folded, traditional to
// simplified, punctuation, emoji and white space dropped, runs collapsed) has at least 10
// runes: a MinHash over 3-rune shingles in 8 bands of 2 rows (FingerprintOf). The posting is
// recorded in one sorted set per band, {prefix}flood:{band}:{band hash}, member
// "{short fingerprint}|{author_id}", scored by time, trimmed to the window (1 h) and 256
// members. Postings that share a band and agree on at least 3 of the 8 bands are the same
// text; from 10 distinct authors (this one included) in the window the item is labelled
// flood (review), from 50 blocked. A one-character edit of a 20-character text usually agrees
// on 4–6 bands; unrelated texts, even sharing a phrase, on 0–1. Short stock replies (好看,
// 求链接) are never fingerprinted, and one author repeating a text counts once. Only the
// postings from the threshold on are labelled; earlier ones are not revisited.
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
// # Metrics
//
// trustd_author_strikes_recorded_total, trustd_author_strike_signals_total{decision},
// trustd_author_strike_errors_total, trustd_flood_checks_total,
// trustd_flood_signals_total{decision}, trustd_flood_errors_total,
// trustd_split_contact_signals_total{type}, trustd_split_contact_errors_total,
// trustd_audit_agreements_total{decision,outcome}. Label values are closed sets, initialised
// to 0. A Redis error in a Signaler makes the pipeline send the item to review with the reason
// (moderation.Pipeline); a Redis error in the strikes hook fails the task, which is retried.
//
// # Memory
//
// Measured with a private redis-server (7.x defaults, listpack encodings) by
//
//	TRUSTD_TRUST_MEM_N=100000 go test ./moderation/trust/ -run XXX -bench Memory -benchtime 1x
//	TRUSTD_TRUST_MEM_N=1000000 go test ./moderation/trust/ -run XXX -bench 'Memory/(strikes|split)' -benchtime 1x
//
// which writes through the real mechanisms (32 concurrent callers) and divides the growth of
// INFO used_memory by the number of authors or texts; MEMORY USAGE gives single keys
// (redis-server 7, 2 cores):
//
//	load                      used_memory growth       MEMORY USAGE of one key
//	strikes, 100k authors     186.9 B/author           104 B (1 strike), 168 B (3 strikes)
//	strikes, 1M authors       177.4 B/author
//	split tails, 100k authors 219.1 B/author           152 B (1 fragment)
//	split tails, 1M authors   209.4 B/author
//	floods, 100k texts        1581 B/text (8 keys)     (800k keys for 100k distinct texts)
//
// A flood text costs 8 small sorted sets, one per band: about 1.6 GB per million distinct
// texts posted within the hour window; shrink Window, or raise MinRunes, where that is too
// much. Every key expires one window after its last write and is
// capped in members, so memory is bounded by (active authors × per-author bytes) + (texts
// posted in the last hour × per-text bytes).
//
// # Usage
//
//	opts := trust.Options{Redis: rdb, Registerer: reg, Logger: log}
//	strikes, _ := trust.NewStrikes(trust.StrikesConfig{Options: opts})
//	floods, _ := trust.NewFloods(trust.FloodConfig{Options: opts})
//	split, _ := trust.NewSplitContacts(trust.SplitConfig{Options: opts, Detector: detector})
//	p, _ := moderation.New(moderation.Config{Rules: src, Signalers: []moderation.Signaler{strikes, floods, split}})
//	w, _ := queue.NewWorker(queue.WorkerConfig{Moderator: p, Hooks: []queue.VerdictHook{strikes}, ...})
//	audit, _ := trust.NewAudit(trust.AuditConfig{Options: opts})
//	go audit.Run(ctx)
//
// In the binary, openTrust (cmd/trustd/trust.go) does this for every process with Redis.
package trust
