// Package text normalises user text for dictionary matching while keeping a map from every
// normalised character back to the original bytes, so that a match found in the normalised
// text is reported as field[start:end] of the original, always on rune boundaries.
//
// One pass over the field does, per character:
//
//   - NFKD with combining marks dropped (diacritics: ÄšŚ → ass), which also folds full-width
//     (ｆｕｃｋ), mathematical (𝐟𝐮𝐜𝐤), circled (Ⓕⓤⓒⓚ), super/subscript and compatibility forms;
//     negative squared / circled letters (🅵🆄🅲🅺) are folded by range;
//   - case folding;
//   - confusables → ASCII Latin (Cyrillic о, Greek υ, ɦ …) from a table derived from Unicode
//     confusables.txt (internal/tables/confusables_latin.txt, see its PROVENANCE); a character
//     the table knows keeps its look when NFKD would turn it into another non-ASCII character
//     (Ϲ → Σ → σ would read o; it reads c);
//   - traditional → simplified Chinese, character level, from OpenCC 1.1.6's TSCharacters table
//     (dumped from the Debian libopencc-data package; no pure-Go OpenCC port is on the module proxy
//     we can use: github.com/longbridgeapp/opencc and github.com/liuzl/gocc are refused);
//   - classification: Latin letter, other letter (CJK …), digit, white space (a hard word
//     boundary), noise (punctuation, ASCII, currency and maths symbols: skipped, a soft
//     boundary), filler (non-ASCII symbols and emoji, ZWJ, zero-width and bidi controls,
//     private use, combining marks on their own: skipped, a filler boundary, which the rules
//     package does not count as a split inside a Latin word: f🤬uck), leet symbol ($ @ ! | +).
//
// Then, per Latin token (letters, digits and leet symbols with nothing in between), leetspeak is
// read as letters when that turns the token into a word (th1$ → this, @$$h073 → asshote, with
// the alternative reading asshole in Text.Alt), also across punctuation when a word is spelled out
// one character at a time (b.u.l.l.s.h.1.t); "45s", "mp3", "abc123", "1.2.3" stay as they are;
// "()" between letters is an o (c()ck). Noise is
// dropped, and runs of one character are collapsed into a unit that remembers its length
// (fuuuuck → f·u(4)·c·k), so matchers can keep legitimate doubles (good ≠ god, ass ≠ as).
// Every unit keeps the boundary in front of it, which the rules package uses for Latin
// whole-word matching (assess ment, but terfly and this hit do not match; F u C k does).
//
// Usage:
//
//	t := text.Normalize(field)
//	// search t.Key; a match at key bytes [ks, ke) is units [t.UnitAt(ks), t.UnitAt(ke))
//	start, end := t.Span(t.UnitAt(ks), t.UnitAt(ke))
//	_ = field[start:end] // the original text of the match
//
// NormalizeTo reuses memory for hot loops. Per character the pass is a table lookup (ASCII, the
// BMP and the emoji blocks are precomputed; other characters go through NFKD); the leetspeak rules
// run only on the pieces between white space and CJK characters that hold both a Latin letter and
// a digit or symbol. Contact and Advertising-Law detectors live in the sub-package detect; the
// benchmarks of both packages and of rules share the note corpus of the sub-package texttest.
package text
