package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trustd/trustd/queue/redistest"
)

// defaultBundle returns the default rules plus extra files as a bundle.
func defaultBundle(t *testing.T, extra map[string]string) *Bundle {
	t.Helper()
	b, err := BundleFromFS(Default())
	if err != nil {
		t.Fatal(err)
	}
	for n, c := range extra {
		b.Files[n] = c
	}
	return b
}

const zorblaxRules = "kind dictionary\ncategory spam\nexample+ zorblax\nzorblax\n"

func TestBundleValidate(t *testing.T) {
	t.Parallel()
	good := defaultBundle(t, map[string]string{"custom.rules": zorblaxRules})
	if _, err := good.Validate(CompileOptions{}); err != nil {
		t.Fatalf("valid bundle: %v", err)
	}
	if a, b := good.Digest(), defaultBundle(t, map[string]string{"custom.rules": zorblaxRules}).Digest(); a != b || !strings.HasPrefix(a, "b-") {
		t.Errorf("digests of equal bundles: %s, %s", a, b)
	}
	if good.Digest() == defaultBundle(t, nil).Digest() {
		t.Error("different bundles share a digest")
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty", map[string]string{}, "no *.rules files"},
		{"syntax", map[string]string{"bad.rules": "kind nonsense\n"}, "bad.rules:1"},
		{"failing example", map[string]string{"ex.rules": "kind dictionary\ncategory spam\nexample+ qwzzy\nzorblax\n"}, "examples fail"},
		{"escaping path", map[string]string{"../x.rules": zorblaxRules}, "relative slash path"},
		{"not rules", map[string]string{"x.txt": zorblaxRules}, "relative slash path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := &Bundle{Files: tc.files}
			_, err := b.Validate(CompileOptions{})
			if !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want ErrBadBundle mentioning %q", err, tc.want)
			}
		})
	}
}

// The bundle slots on a real Redis: set a shadow, promote it, every live Source follows;
// reset goes back to the directory rules; the history says who did what.
func TestBundlesLifecycle(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	bs := NewBundles(rdb, BundlesConfig{Now: func() time.Time { return now }})
	live, err := NewSource(ctx, SourceConfig{Redis: rdb, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	shadow, err := NewSource(ctx, SourceConfig{Redis: rdb, Slot: SlotShadow, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if shadow.Rules() != nil || shadow.Ready() != nil {
		t.Fatalf("shadow source without a bundle: rules %v, ready %v", shadow.Rules(), shadow.Ready())
	}
	fileVersion := live.Rules().Version()

	if _, err := bs.Promote(ctx, "admin:a", ""); !errors.Is(err, ErrNoBundle) {
		t.Fatalf("promote without shadow: %v", err)
	}
	if _, err := bs.SetShadow(ctx, &Bundle{Files: map[string]string{"bad.rules": "kind nonsense\n"}}, "admin:a", ""); !errors.Is(err, ErrBadBundle) {
		t.Fatalf("bad bundle accepted: %v", err)
	}
	b := defaultBundle(t, map[string]string{"custom.rules": zorblaxRules})
	info, err := bs.SetShadow(ctx, b, "admin:alice", "zorblax spam wave")
	if err != nil {
		t.Fatal(err)
	}
	if info.Digest != b.Digest() || info.Files != len(b.Files) || info.By != "admin:alice" {
		t.Fatalf("info = %+v", info)
	}
	reload := func(s *Source) {
		t.Helper()
		if !s.changed(ctx) {
			t.Fatal("changed() false after a bundle change")
		}
		if err := s.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	}
	reload(shadow)
	if len(hitTerms(shadow, "zorblax here")) != 1 || len(hitTerms(live, "zorblax here")) != 0 {
		t.Fatal("the shadow bundle should hit zorblax, the live rules not")
	}
	if shadow.Bundle().Digest != b.Digest() {
		t.Errorf("shadow Bundle() = %+v", shadow.Bundle())
	}
	if live.changed(ctx) {
		t.Error("setting a shadow changed the live source")
	}

	if _, err := bs.Promote(ctx, "admin:bob", "b-000000000000"); !errors.Is(err, ErrBundleChanged) {
		t.Fatalf("promote with a stale digest: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := bs.Promote(ctx, "admin:bob", b.Digest()); err != nil {
		t.Fatal(err)
	}
	reload(live)
	reload(shadow)
	if len(hitTerms(live, "zorblax here")) != 1 || shadow.Rules() != nil {
		t.Fatal("after promote the live rules should hit zorblax and the shadow be empty")
	}
	st, err := bs.Status(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if st.Shadow != nil || st.Live == nil || st.Live.Digest != b.Digest() || st.Live.By != "admin:alice" ||
		st.Live.PromotedBy != "admin:bob" || !st.Live.PromotedAt.Equal(now) {
		t.Fatalf("status after promote: live %+v shadow %+v", st.Live, st.Shadow)
	}

	if _, err := bs.Demote(ctx, "admin:bob"); !errors.Is(err, ErrNoBundle) {
		t.Fatalf("demote without shadow: %v", err)
	}
	if _, err := bs.Reset(ctx, "admin:carol"); err != nil {
		t.Fatal(err)
	}
	reload(live)
	if live.Rules().Version() != fileVersion || live.Bundle() != nil {
		t.Fatalf("after reset: version %s (want %s), bundle %+v", live.Rules().Version(), fileVersion, live.Bundle())
	}
	st, err = bs.Status(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range st.History {
		actions = append(actions, e.Action+" "+e.By)
	}
	if got := strings.Join(actions, ", "); got != "reset admin:carol, promote admin:bob, set admin:alice" {
		t.Errorf("history = %s", got)
	}
}
