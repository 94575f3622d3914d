package moderation_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/rules"
)

func TestRedecideImageText(t *testing.T) {
	t.Parallel()
	set, err := rules.CompileDefault()
	if err != nil {
		t.Fatal(err)
	}
	ok := moderation.ImageCheckerFunc(func(_ context.Context, it *moderation.Item) ([]moderation.ImageResult, []moderation.Signal) {
		return []moderation.ImageResult{{Index: 0, Status: moderation.ImageOK}, {Index: 1, Status: moderation.ImageOK}}, nil
	})
	p, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: set}, Images: ok})
	if err != nil {
		t.Fatal(err)
	}
	it := &moderation.Item{ID: "n1", Scene: moderation.SceneNote, Revision: 1, AuthorID: "u1", Body: "a lovely lamp",
		Images: []moderation.Image{{URL: "https://img.example/0.jpg"}, {URL: "https://img.example/1.jpg"}}}
	v, err := p.Moderate(context.Background(), it)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	if u, changed := moderation.RedecideImageText(set, it, v, []string{"", "SALE 50% OFF"}, now); changed || u != v {
		t.Fatalf("harmless image text changed the verdict: %+v", u)
	}
	u, changed := moderation.RedecideImageText(set, it, v, []string{"", "手机:13912345678"}, now)
	if !changed {
		t.Fatal("a phone number in an image changed nothing")
	}
	if u.EventType != moderation.EventUpdated || u.EventID != moderation.OCRUpdatedEventID(it.Key()) || !u.DecidedAt.Equal(now) {
		t.Fatalf("update header: %s %s %v", u.EventType, u.EventID, u.DecidedAt)
	}
	if u.Decision.Severity() < v.Decision.Severity() || !slices.Contains(u.Labels, moderation.LabelContact) {
		t.Fatalf("decision %s labels %v", u.Decision, u.Labels)
	}
	img := u.Images[1]
	if img.Text != "手机:13912345678" || len(img.Contacts) == 0 || img.Contacts[0].Field != moderation.ImageOCRField(1) {
		t.Fatalf("image 1: %+v", img)
	}
	if len(v.Images[1].Contacts) != 0 || v.Images[1].Text != "" {
		t.Fatal("the first verdict was modified")
	}
	if !slices.Equal(u.Reasons[:len(v.Reasons)], v.Reasons) || !strings.HasPrefix(u.Reasons[len(v.Reasons)], "image text: ") {
		t.Fatalf("reasons %q, want the first verdict's then the image text's", u.Reasons)
	}

	// A stricter first decision (a signal of the first run, e.g. a deny-bank match) is kept.
	blocked := *v
	blocked.Decision, blocked.Labels = moderation.Block, []moderation.Label{moderation.LabelFakeProduct}
	u, _ = moderation.RedecideImageText(set, it, &blocked, []string{"", "手机:13912345678"}, now)
	if u.Decision != moderation.Block || !slices.Contains(u.Labels, moderation.LabelFakeProduct) {
		t.Fatalf("re-decision lowered the first verdict: %s %v", u.Decision, u.Labels)
	}
}
