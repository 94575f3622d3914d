package text

import "testing"

// TestFillerBreak: emoji, non-ASCII symbols and invisible controls between two letters leave a
// BreakFiller (no split of a Latin word for the matcher); punctuation leaves BreakSoft and
// white space BreakHard, whatever filler stands next to them.
func TestFillerBreak(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     Break // boundary in front of the second unit
	}{
		{"emoji", "f🤬u", BreakFiller},
		{"zwj sequence", "f👨\u200d👩\u200d👧u", BreakFiller},
		{"zero width space", "f\u200bu", BreakFiller},
		{"bidi override", "f\u202eu", BreakFiller},
		{"symbol", "f❤u", BreakFiller},
		{"skin tone", "f\U0001F3FBu", BreakFiller},
		{"lone combining mark", "f\u0301u", BreakFiller},
		{"punctuation", "f.u", BreakSoft},
		{"asterisk", "f*u", BreakSoft},
		{"filler then punctuation", "f🤬-u", BreakSoft},
		{"punctuation then filler", "f-🤬u", BreakSoft},
		{"space", "f u", BreakHard},
		{"filler then space", "f🤬 u", BreakHard},
		{"space then filler", "f 🤬u", BreakHard},
		{"variation selector only", "f\ufe0fu", BreakFiller},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := Normalize(tc.in)
			if len(n.Units) != 2 {
				t.Fatalf("Normalize(%q): %d units (%q), want 2", tc.in, len(n.Units), n.String())
			}
			if got := n.Units[1].Break; got != tc.want {
				t.Errorf("Normalize(%q): break %d, want %d", tc.in, got, tc.want)
			}
			checkText(t, tc.in, n)
		})
	}
}

// TestConfusableBeforeDecomposition: a character in the confusables table keeps its look when
// its compatibility decomposition is another non-ASCII character (Ϲ → Σ → σ would read "o").
func TestConfusableBeforeDecomposition(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ΒΙΤϹΗ": "bitch", // Greek capitals with the lunate sigma Ϲ (U+03F9)
		"ϲunt":  "cunt",  // small lunate sigma ϲ (U+03F2), which decomposes to ς
		"𝐟𝐮𝐜𝐤":  "fuck",  // decomposes to ASCII: unchanged
		"①③⑧":   "138",   // digits stay digits
		"ｆｕｃｋ":  "fuck",
		"σοφία": "oφia", // ordinary Greek letters fold as before (σο → a run of o, φ stays)
	} {
		if got := Normalize(in).Key; got != want {
			t.Errorf("Normalize(%q).Key = %q, want %q", in, got, want)
		}
	}
}
