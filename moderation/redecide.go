package moderation

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// carriedReason marks the signals that stand for the first verdict in a re-decision.
const carriedReason = "carried from the first verdict"

// RedecideImageText re-decides verdict v of item it with text read inside its images later
// (OCR): texts[i] is the text of image i ("" for none). The text runs through the rules like
// a caption (ScanImageText); the new verdict is a verdict.updated with each image's Text,
// Hits and Contacts (field ImageOCRField), an event id derived from the item revision
// (OCRUpdatedEventID) and the reasons of v followed by those the image text added.
//
// Nothing of the first run is repeated (no image fetch for hashes, no trust signal, no
// strike): v stands for its own evidence. Its decision and each of its labels are passed to
// the policy as signals, so the decision can only rise and label combinations across the
// caption and the image text still apply. changed reports whether the decision or the
// labels differ from v's; when it is false the update is not worth publishing.
func RedecideImageText(rules Rules, it *Item, v *Verdict, texts []string, now time.Time) (updated *Verdict, changed bool) {
	images := slices.Clone(v.Images)
	ocr := &Evidence{Item: it}
	for i := range images {
		if i < len(texts) && texts[i] != "" {
			ocr.Images = append(ocr.Images, ImageResult{Index: images[i].Index, Text: texts[i]})
		}
	}
	if len(ocr.Images) == 0 {
		return v, false
	}
	ScanImageText(rules, it.Scene, ocr)

	ev := &Evidence{Item: it, Hits: slices.Clone(v.Hits), Contacts: slices.Clone(v.Contacts)}
	for _, read := range ocr.Images {
		i := slices.IndexFunc(images, func(r ImageResult) bool { return r.Index == read.Index })
		r := &images[i]
		r.Text = read.Text
		r.Hits = append(slices.Clip(r.Hits), read.Hits...)
		r.Contacts = append(slices.Clip(r.Contacts), read.Contacts...)
	}
	for _, r := range images {
		ev.Hits = append(ev.Hits, r.Hits...)
		ev.Contacts = append(ev.Contacts, r.Contacts...)
	}
	ev.Images = images
	ev.Signals = append(ev.Signals, Signal{Decision: v.Decision, Reason: carriedReason})
	for _, l := range v.Labels {
		ev.Signals = append(ev.Signals, Signal{Label: l, Decision: Pass, Reason: carriedReason})
	}
	out := rules.Decide(ev)
	decision := Max(v.Decision, out.Decision)
	labels := SortLabels(append(slices.Clone(v.Labels), out.Labels...))
	if decision == v.Decision && slices.Equal(labels, v.Labels) {
		return v, false
	}
	u := *v
	u.EventID = OCRUpdatedEventID(v.Key())
	u.EventType = EventUpdated
	u.Decision = decision
	u.Labels = labels
	u.Images = images
	u.Reasons = slices.Clip(v.Reasons)
	for _, r := range out.Reasons {
		if !strings.Contains(r, carriedReason) && !slices.Contains(v.Reasons, r) {
			u.Reasons = append(u.Reasons, "image text: "+r)
		}
	}
	u.Versions.Rules = rules.Version()
	u.DecidedBy = DecidedByAuto
	u.DecidedAt = now.UTC()
	return &u, true
}

// OCRUpdatedEventID is the event id of the verdict.updated event that the text inside the
// images of an item revision causes. It is derived from the key, so a retried OCR task
// carries the same id and is published once (see queue.Publisher.PublishOCRUpdate).
func OCRUpdatedEventID(k Key) string {
	return uuid.NewSHA1(eventNamespace, []byte("verdict.updated/ocr/"+k.String())).String()
}
