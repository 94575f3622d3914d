package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestEvalTextRedTeam scores the red-team sets in testdata/text (written by the trustd
// developers, see testdata/text/PROVENANCE) through "trustd eval text", the same code path as
// the command, with the embedded default rules, and fails below floors set a little under the
// scores reached when the sets were added. The sets measure general mechanisms: nothing in them
// may be copied into the rules.
func TestEvalTextRedTeam(t *testing.T) {
	t.Parallel()
	type floor struct {
		precision, recall, maxFPR, agreement float64
	}
	tests := []struct {
		file, scene string
		overall     floor
		byLang      map[string]floor
	}{
		// Reached: P .980 R 1.000 FPR .027 agreement .833 (en .975/1/.036, zh .981/1/.024).
		{"redteam.jsonl", "comment", floor{0.96, 0.98, 0.04, 0.80},
			map[string]floor{"en": {0.95, 0.97, 0.06, 0.75}, "zh": {0.96, 0.97, 0.04, 0.80}}},
		// Written after the fixes and scored once (P .941 R .873 FPR .050); reached after
		// vocabulary additions: P .945 R .945 FPR .050 agreement .800.
		{"redteam_holdout.jsonl", "comment", floor{0.92, 0.92, 0.07, 0.75}, nil},
		// Written by a second developer without reading the rules, scored once before any
		// change: P .980 R .891 FPR .024 agreement .708 (en .964/.931/.043, mixed 1/.840/0,
		// zh .980/.893/.020). Reached after general fixes (glued ids after a trigger, spaced
		// domains, vertical triggers) and a few vocabulary entries: P .981 R .964 FPR .024
		// agreement .724 (en .966/.966/.043, mixed 1/.960/0, zh .982/.964/.020). Agreement is
		// low by design: the set expects review where the policy blocks WeChat / QQ ids and
		// disguised numbers, and block where it reviews URLs and 淘口令 alone.
		{"redteam_holdout2.jsonl", "comment", floor{0.95, 0.94, 0.04, 0.70},
			map[string]floor{"en": {0.93, 0.93, 0.07, 0.68}, "mixed": {0.95, 0.92, 0.05, 0.45}, "zh": {0.95, 0.94, 0.04, 0.77}}},
		// Written by a third developer without reading the rules, the code or the earlier sets,
		// scored once before any change: P .962 R .641 FPR .034 agreement .688 (en 1/.727/0,
		// mixed 1/.773/0, zh .933/.575/.054). Reached after general fixes (insult words that
		// count only when aimed at a person, scam+ad combination, arrows marking an id after a
		// lone v, QQ / WeChat spellings in variants.rules) and curated vocabulary, pruned of
		// every entry with an ordinary reading: P .972 R .906 FPR .034 agreement .795 (en 1/1/0,
		// mixed 1/.955/0, zh .955/.863/.054). The three false positives are scam warnings,
		// reviewed like the scam: clearing a text for a warning phrase would let pitches through
		// ("日赚500，这不是骗局"). Insults aimed at a person are reviewed, where the set expects
		// block, hence the lower agreement.
		{"redteam_holdout3.jsonl", "comment", floor{0.95, 0.88, 0.05, 0.77},
			map[string]floor{"en": {0.95, 0.95, 0.05, 0.75}, "mixed": {0.95, 0.92, 0.05, 0.88}, "zh": {0.93, 0.83, 0.07, 0.74}}},
		// Advertising-Law terms and ordinary notes, note scene. Reached: 1/1/0/1.
		{"redteam_note.jsonl", "note", floor{0.95, 0.95, 0.07, 0.90}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			cases := filepath.Join("..", "..", "testdata", "text", tc.file)
			code, out, stderr := runCmd(t, context.Background(), "", nil, "eval", "text", "--cases", cases,
				"--scene", tc.scene, "--json", "--misses")
			if code != 0 {
				t.Fatalf("eval text: code %d, stderr %s", code, stderr)
			}
			var rep evalReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("eval text --json: %v\n%s", err, out)
			}
			if rep.Invalid != 0 {
				t.Errorf("%d invalid lines", rep.Invalid)
			}
			check := func(what string, c *counts, f floor) {
				if c == nil {
					t.Errorf("%s: no scores", what)
					return
				}
				if c.Precision < f.precision || c.Recall < f.recall || c.FPR > f.maxFPR || c.Agreement < f.agreement {
					t.Errorf("%s: precision %.3f (floor %.2f), recall %.3f (floor %.2f), FPR %.3f (ceiling %.2f), agreement %.3f (floor %.2f)",
						what, c.Precision, f.precision, c.Recall, f.recall, c.FPR, f.maxFPR, c.Agreement, f.agreement)
				}
			}
			check("overall", &rep.Overall, tc.overall)
			for lang, f := range tc.byLang {
				check("lang "+lang, rep.ByLang[lang], f)
			}
			if t.Failed() {
				t.Logf("misclassified: %+v", rep.Misses)
			}
		})
	}
}
