package rules

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustd/trustd/moderation"
)

var update = flag.Bool("update", false, "rewrite golden files")

type goldenHit struct {
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Text     string `json:"text"`
	Term     string `json:"term"`
	Category string `json:"category"`
}

type goldenVerdict struct {
	ID       string              `json:"id"`
	Decision moderation.Decision `json:"decision"`
	Labels   []moderation.Label  `json:"labels"`
	Hits     []goldenHit         `json:"hits"`
}

// TestGolden runs the full pipeline (text only) with the default rules over
// testdata/rules/corpus.jsonl and compares with testdata/rules/golden.jsonl. Contacts are left
// out of the golden file: they belong to the detect package's own tests.
func TestGolden(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "testdata", "rules")
	in, err := os.ReadFile(filepath.Join(dir, "corpus.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	set := mustCompile(t, DefaultEngine)
	p, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: set}})
	if err != nil {
		t.Fatal(err)
	}
	var got []goldenVerdict
	sc := bufio.NewScanner(bytes.NewReader(in))
	for sc.Scan() {
		var c struct{ ID, Scene, Text string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		v, err := p.Moderate(context.Background(), &moderation.Item{ID: c.ID, Scene: moderation.Scene(c.Scene), Revision: 1, AuthorID: "golden", Body: c.Text})
		if err != nil {
			t.Fatal(err)
		}
		gv := goldenVerdict{ID: c.ID, Decision: v.Decision, Labels: v.Labels, Hits: []goldenHit{}}
		for _, h := range v.Hits {
			if c.Text[h.Start:h.End] != h.Text {
				t.Errorf("%s: hit %+v has bad offsets", c.ID, h)
			}
			gv.Hits = append(gv.Hits, goldenHit{h.Start, h.End, h.Text, h.Term, h.Category})
		}
		got = append(got, gv)
	}
	golden := filepath.Join(dir, "golden.jsonl")
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		for _, g := range got {
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var want []goldenVerdict
	for line := range bytes.Lines(data) {
		var g goldenVerdict
		if err := json.Unmarshal(line, &g); err != nil {
			t.Fatal(err)
		}
		want = append(want, g)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdicts differ from %s (-want +got; rerun with -update if intended):\n%s", golden, diff)
	}
}
