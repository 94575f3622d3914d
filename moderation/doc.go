// Package moderation holds trustd's domain types (Item, Verdict, Hit, Contact, ImageResult)
// and the Pipeline that turns an item into a verdict.
//
// The pipeline runs its stages in order — text (dictionaries and contact detectors through
// Rules.ScanText), images (ImageChecker), extra signals (Signaler: author strikes, floods) — and
// hands the Evidence to Rules.Decide, the policy. Stages are small interfaces declared here and
// implemented elsewhere (package rules, package imagehash), so moderation depends on none of
// them:
//
//	src, _ := rules.NewSource(ctx, rules.SourceConfig{})          // embedded default rules
//	p, _ := moderation.New(moderation.Config{Rules: src, Images: checker})
//	it, err := moderation.DecodeItem(payload)                      // validates; errors name the field
//	v, err := p.Moderate(ctx, it)                                  // v.Decision, v.Labels, v.Hits …
//
// Decisions on design, recorded here because DESIGN.md is silent on them:
//
//   - Invalid input is rejected whole with a *FieldError naming the field (never truncated):
//     ids of 1–128 bytes of [A-Za-z0-9._:-], title and body ≤ 64 KiB of valid UTF-8, ≤ 18
//     images, meta ≤ 16 KiB. Raw input that is not valid UTF-8 is rejected rather than
//     repaired, so that verdict offsets always describe the bytes the platform sent.
//   - A bad image never fails an item: its ImageResult has status "error", and the pipeline adds
//     the image_error label with at least a review decision. Image checkers must not add that
//     signal themselves.
//   - A Signaler that errors asks for review with the reason, rather than failing the item or
//     letting it pass silently.
//   - verdict.created event ids are derived from the item's key (UUIDv5), so a duplicate
//     publication carries the same event_id; verdict.updated ids are fresh UUIDv7s.
//   - Verdict arrays (labels, hits, contacts, images) are always present, empty rather than null.
package moderation
