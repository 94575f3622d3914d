package moderation_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustd/trustd/moderation"
)

// substrRules flags a fixed word and decides by the most severe signal; enough to test the
// pipeline's own logic (ordering, images, signals, verdict fields), not the real rules.
type substrRules struct{ word string }

func (r substrRules) Version() string { return "v-test" }

func (r substrRules) ScanText(_ moderation.Scene, field, text string) ([]moderation.Hit, []moderation.Contact) {
	var hits []moderation.Hit
	for off := 0; ; {
		i := strings.Index(text[off:], r.word)
		if i < 0 {
			return hits, nil
		}
		s := off + i
		hits = append(hits, moderation.Hit{Field: field, Start: s, End: s + len(r.word), Text: r.word, Term: r.word, Category: "profanity", Dictionary: "t"})
		off = s + len(r.word)
	}
}

func (r substrRules) Decide(ev *moderation.Evidence) moderation.Outcome {
	out := moderation.Outcome{Decision: moderation.Pass}
	if len(ev.Hits) > 0 {
		out.Decision, out.Labels = moderation.Block, []moderation.Label{moderation.LabelProfanity}
		out.Reasons = append(out.Reasons, "profanity hit")
	}
	for _, s := range ev.Signals {
		out.Decision = moderation.Max(out.Decision, s.Decision)
		if s.Label != "" {
			out.Labels = append(out.Labels, s.Label)
		}
		out.Reasons = append(out.Reasons, s.Reason)
	}
	return out
}

type signalFunc func(ctx context.Context, ev *moderation.Evidence) ([]moderation.Signal, error)

func (f signalFunc) Signals(ctx context.Context, ev *moderation.Evidence) ([]moderation.Signal, error) {
	return f(ctx, ev)
}

func TestPipeline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 10, 0, 1, 0, time.UTC)
	dupImage := moderation.ImageCheckerFunc(func(_ context.Context, it *moderation.Item) ([]moderation.ImageResult, []moderation.Signal) {
		res := make([]moderation.ImageResult, len(it.Images))
		for i := range it.Images {
			res[i] = moderation.ImageResult{Index: i, Status: moderation.ImageOK, PHash: "c3d1e0f0a1b2c3d4",
				Matches: []moderation.ImageMatch{{Bank: "seen", ContentID: "n-9", AuthorID: "u-7", Distance: 4}}}
		}
		return res, []moderation.Signal{{Label: moderation.LabelDuplicateImage, Decision: moderation.Review, Reason: "image reused"}}
	})
	tests := []struct {
		name       string
		cfg        moderation.Config
		item       moderation.Item
		wantDec    moderation.Decision
		wantLabels []moderation.Label
		wantHits   int
	}{
		{"clean text passes", moderation.Config{}, moderation.Item{Body: "hello"}, moderation.Pass, []moderation.Label{}, 0},
		{"hits in title and body", moderation.Config{}, moderation.Item{Title: "x bad", Body: "bad bad"}, moderation.Block, []moderation.Label{moderation.LabelProfanity}, 3},
		{"images without a checker go to review", moderation.Config{},
			moderation.Item{Body: "hi", Images: []moderation.Image{{URL: "https://x/a.jpg"}}}, moderation.Review, []moderation.Label{moderation.LabelImageError}, 0},
		{"image signals reach the policy", moderation.Config{Images: dupImage},
			moderation.Item{Body: "hi", Images: []moderation.Image{{URL: "https://x/a.jpg"}}}, moderation.Review, []moderation.Label{moderation.LabelDuplicateImage}, 0},
		{"a failing signal stage asks for review", moderation.Config{Signalers: []moderation.Signaler{signalFunc(
			func(context.Context, *moderation.Evidence) ([]moderation.Signal, error) {
				return nil, context.DeadlineExceeded
			})}},
			moderation.Item{Body: "hi"}, moderation.Review, []moderation.Label{}, 0},
		{"labels are sorted and unique", moderation.Config{Images: dupImage, Signalers: []moderation.Signaler{signalFunc(
			func(context.Context, *moderation.Evidence) ([]moderation.Signal, error) {
				return []moderation.Signal{{Label: moderation.LabelFlood, Decision: moderation.Review}, {Label: moderation.LabelFlood, Decision: moderation.Review}}, nil
			})}},
			moderation.Item{Body: "bad", Images: []moderation.Image{{URL: "https://x/a.jpg"}}}, moderation.Block,
			[]moderation.Label{moderation.LabelDuplicateImage, moderation.LabelFlood, moderation.LabelProfanity}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.Rules = moderation.StaticRules{R: substrRules{"bad"}}
			cfg.Build = "b-1"
			cfg.Now = func() time.Time { return now }
			p, err := moderation.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			it := tt.item
			it.ID, it.Scene, it.AuthorID, it.Meta = "n-1", moderation.SceneNote, "u-1", json.RawMessage(`{"x":1}`)
			if err := it.Normalize(); err != nil {
				t.Fatal(err)
			}
			v, err := p.Moderate(context.Background(), &it)
			if err != nil {
				t.Fatal(err)
			}
			if v.Decision != tt.wantDec {
				t.Errorf("decision %s, want %s (reasons %q)", v.Decision, tt.wantDec, v.Reasons)
			}
			if diff := cmp.Diff(tt.wantLabels, v.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if len(v.Hits) != tt.wantHits {
				t.Errorf("%d hits, want %d", len(v.Hits), tt.wantHits)
			}
			for _, h := range v.Hits {
				field := map[string]string{"title": it.Title, "body": it.Body}[h.Field]
				if field[h.Start:h.End] != h.Text {
					t.Errorf("hit %+v does not point at its text", h)
				}
			}
			want := moderation.Verdict{EventID: moderation.CreatedEventID(it.Key()), EventType: moderation.EventCreated,
				ContentID: "n-1", Revision: 1, Scene: moderation.SceneNote, AuthorID: "u-1", DecidedBy: "auto", DecidedAt: now,
				Versions: moderation.Versions{Rules: "v-test", Build: "b-1"}, Meta: it.Meta}
			got := *v
			got.Decision, got.Labels, got.Hits, got.Contacts, got.Images, got.Reasons = "", nil, nil, nil, nil, nil
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("verdict header (-want +got):\n%s", diff)
			}
			if v.Contacts == nil || v.Images == nil || v.Hits == nil {
				t.Error("verdict arrays must be empty, not null")
			}
		})
	}
}

func TestPipelineRejectsInvalidItem(t *testing.T) {
	t.Parallel()
	p, _ := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: substrRules{"bad"}}})
	_, err := p.Moderate(context.Background(), &moderation.Item{ID: "x", Scene: "blog", AuthorID: "u", Revision: 1})
	if err == nil {
		t.Fatal("invalid item moderated")
	}
	if _, err := moderation.New(moderation.Config{}); err != moderation.ErrNoRules {
		t.Fatalf("New without rules: %v", err)
	}
}
