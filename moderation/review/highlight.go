package review

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation"
)

// Segment is a run of a field's text with the same highlighting. Offsets in verdicts are
// UTF-8 byte offsets into the original field (DESIGN §4); Segments turns them into runs that
// the template renders, so the browser never does offset arithmetic (JavaScript strings
// count UTF-16 code units, not bytes).
type Segment struct {
	Text    string
	Hit     bool   // covered by at least one dictionary hit
	Contact bool   // covered by at least one contact
	Tip     string // "dictionary · category" of the hits and "contact: type" of the contacts
	First   bool   // starts a new mark (keyboard navigation stops here)
}

// Class is the CSS class of a marked segment.
func (s Segment) Class() string {
	switch {
	case s.Hit && s.Contact:
		return "hit contact"
	case s.Hit:
		return "hit"
	case s.Contact:
		return "contact"
	}
	return ""
}

// Marked reports whether the segment is highlighted.
func (s Segment) Marked() bool { return s.Hit || s.Contact }

type span struct {
	start, end int
	hit        bool
	tip        string
}

// validSpan reports whether [start, end) is a well-formed span of text that holds want.
func validSpan(text string, start, end int, want string) bool {
	if start < 0 || end > len(text) || start >= end {
		return false
	}
	if !utf8.RuneStart(text[start]) || (end < len(text) && !utf8.RuneStart(text[end])) {
		return false
	}
	return text[start:end] == want
}

// Segments splits the text of field into highlighted runs from the hits and contacts of that
// field. Spans with offsets that do not hold their text (a bug upstream) are not marked; their
// number is returned as bad, so the page can warn instead of highlighting the wrong bytes.
func Segments(field, text string, hits []moderation.Hit, contacts []moderation.Contact) (segs []Segment, bad int) {
	var spans []span
	for _, h := range hits {
		if h.Field != field {
			continue
		}
		if !validSpan(text, h.Start, h.End, h.Text) {
			bad++
			continue
		}
		spans = append(spans, span{h.Start, h.End, true, h.Dictionary + " · " + h.Category})
	}
	for _, c := range contacts {
		if c.Field != field {
			continue
		}
		if !validSpan(text, c.Start, c.End, c.Text) {
			bad++
			continue
		}
		spans = append(spans, span{c.Start, c.End, false, "contact: " + c.Type})
	}
	bounds := []int{0, len(text)}
	for _, s := range spans {
		bounds = append(bounds, s.start, s.end)
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	prevKey := ""
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		seg := Segment{Text: text[a:b]}
		var tips []string
		var cover []string
		for j, s := range spans {
			if s.start <= a && b <= s.end {
				if s.hit {
					seg.Hit = true
				} else {
					seg.Contact = true
				}
				if !slices.Contains(tips, s.tip) {
					tips = append(tips, s.tip)
				}
				cover = append(cover, fmt.Sprint(j))
			}
		}
		seg.Tip = strings.Join(tips, "; ")
		key := strings.Join(cover, ",")
		seg.First = seg.Marked() && key != prevKey
		prevKey = key
		if n := len(segs); n > 0 && !seg.First && segs[n-1].Marked() == seg.Marked() && segs[n-1].Tip == seg.Tip {
			segs[n-1].Text += seg.Text // same marks as the previous run: merge
			continue
		}
		segs = append(segs, seg)
	}
	return segs, bad
}
