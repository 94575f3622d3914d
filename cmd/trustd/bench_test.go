package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue/redistest"
	"github.com/trustd/trustd/rules"
)

// TestBenchRuns runs the load tool end to end, both stacks, against a private Redis: every
// item gets exactly one verdict, the ratio to the no-op phase is reported, and the run
// leaves no bench keys behind.
func TestBenchRuns(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	for _, stack := range []string{"text", "full"} {
		code, out, stderr := runCmd(t, context.Background(), "", nil,
			"bench", "--redis", srv.URL(), "--n", "300", "--stack", stack, "--mix", "mixed", "--json")
		if code != 0 {
			t.Fatalf("bench --stack %s: exit %d, stderr %s", stack, code, stderr)
		}
		var rs []benchResult
		if err := json.Unmarshal([]byte(out), &rs); err != nil {
			t.Fatalf("bench --json output: %v\n%s", err, out)
		}
		if len(rs) != 2 || rs[0].Phase != "noop" || rs[1].Phase != "pipeline" {
			t.Fatalf("phases %+v", rs)
		}
		p := rs[1]
		if p.Submitted != 300 || p.Verdicts != 300 || p.Lost != 0 || p.Duplicates != 0 || p.RatioToNoop <= 0 || p.P99ms <= 0 || p.RedisCmdsPerItem <= 0 {
			t.Fatalf("stack %s: pipeline phase %+v", stack, p)
		}
	}
	keys, err := rdb.Keys(context.Background(), "trustd:bench:*").Result()
	if err != nil || len(keys) != 0 {
		t.Fatalf("bench keys left behind: %v %v", keys, err)
	}
}

// TestBenchItemsAreRealistic checks the generator's mix against what it promises: distinct
// texts (not a flood of stock sentences), comments of about 200 bytes and notes of 1–2 KB,
// Chinese and English, and violations in roughly one item in eight by the shipped rules.
func TestBenchItemsAreRealistic(t *testing.T) {
	t.Parallel()
	set, err := rules.CompileDefault()
	if err != nil {
		t.Fatal(err)
	}
	gen := newItemGen("mixed", 7)
	const n = 2000
	seen := map[string]bool{}
	var comments, commentBytes, notes, english, flagged int
	for i := range n {
		it := gen.item(i, "t")
		if err := it.Normalize(); err != nil {
			t.Fatalf("item %d invalid: %v", i, err)
		}
		seen[it.Body] = true
		switch it.Scene {
		case moderation.SceneComment:
			comments++
			commentBytes += len(it.Body)
		case moderation.SceneNote:
			notes++
			if len(it.Body) < 1000 || len(it.Body) > 2300 {
				t.Errorf("note %d is %d bytes", i, len(it.Body))
			}
		}
		if strings.ContainsAny(it.Body, "aeiou") {
			english++
		}
		if hits, contacts := set.ScanText(it.Scene, "body", it.Body); len(hits) > 0 || len(contacts) > 0 {
			flagged++
		}
	}
	if len(seen) < n*85/100 { // stock replies repeat; sentences almost never do
		t.Errorf("%d distinct bodies of %d", len(seen), n)
	}
	if avg := commentBytes / comments; avg < 150 || avg > 300 {
		t.Errorf("comments average %d bytes", avg)
	}
	if notes < n/10 || english < n/4 {
		t.Errorf("%d notes, %d with English of %d", notes, english, n)
	}
	if flagged < n/16 || flagged > n/4 {
		t.Errorf("%d of %d items flagged by the shipped rules, want about 1/8", flagged, n)
	}
}
