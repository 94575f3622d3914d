package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesTestCommand(t *testing.T) {
	t.Parallel()
	code, out, stderr := runCmd(t, context.Background(), "", nil, "rules", "test")
	if code != 0 || !strings.Contains(out, " 0 failed") {
		t.Fatalf("rules test on the embedded rules: code %d\n%s%s", code, out, stderr)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.rules"), []byte("kind dictionary\ncategory spam\nexample+ nothing here\nexample- zorblax\nzorblax\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, context.Background(), "", nil, "rules", "test", "--rules", dir)
	if code != 1 || !strings.Contains(out, "x.rules:3") || !strings.Contains(out, "x.rules:4") {
		t.Fatalf("rules test with failing examples: code %d, want 1 naming x.rules:3 and :4\n%s", code, out)
	}

	if err := os.WriteFile(filepath.Join(dir, "x.rules"), []byte("kind dictionary\ncategory spam\nzorblax ; action=perhaps\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, context.Background(), "", nil, "rules", "test", "--rules", dir)
	if code != 1 || !strings.Contains(stderr, "x.rules:3") {
		t.Fatalf("rules test with a syntax error: code %d, stderr %q", code, stderr)
	}

	if code, _, _ := runCmd(t, context.Background(), "", nil, "rules", "nope"); code != 2 {
		t.Errorf("rules nope: code %d, want 2", code)
	}
}

func TestEvalTextCommand(t *testing.T) {
	t.Parallel()
	cases := filepath.Join("testdata", "evaltext_cases.jsonl")
	code, out, stderr := runCmd(t, context.Background(), "", nil, "eval", "text", "--cases", cases, "--json", "--misses")
	if code != 0 {
		t.Fatalf("eval text: code %d, stderr %s", code, stderr)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("eval text --json: %v\n%s", err, out)
	}
	o := rep.Overall
	// Six valid cases: t2, t3, t5 caught; t6 missed; t1, t4 correctly passed.
	if o.N != 6 || o.TP != 3 || o.FN != 1 || o.FP != 0 || o.TN != 2 || rep.Invalid != 1 {
		t.Errorf("overall %+v, invalid %d", o, rep.Invalid)
	}
	if o.Precision != 1 || o.Recall != 0.75 || o.FPR != 0 || o.Agree != 5 {
		t.Errorf("scores %+v", o)
	}
	if s := rep.ByLabel["profanity"]; s == nil || s.N != 3 || s.Flagged != 3 {
		t.Errorf("by label profanity %+v", s)
	}
	if c := rep.ByLang["zh"]; c == nil || c.N != 2 || c.TP != 1 || c.TN != 1 {
		t.Errorf("by lang zh %+v", c)
	}
	if c := rep.ByTag["missed"]; c == nil || c.FN != 1 {
		t.Errorf("by tag missed %+v", c)
	}
	if len(rep.Misses) != 1 || rep.Misses[0].ID != "t6" {
		t.Errorf("misses %+v", rep.Misses)
	}

	code, out, _ = runCmd(t, context.Background(), "", nil, "eval", "text", "--cases", cases)
	if code != 0 || !strings.Contains(out, "precision") || !strings.Contains(out, "by tag") {
		t.Errorf("eval text table: code %d\n%s", code, out)
	}
	if code, _, _ := runCmd(t, context.Background(), "", nil, "eval", "text"); code != 2 {
		t.Errorf("eval text without --cases: code %d, want 2", code)
	}
}
