package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text"
	"github.com/trustd/trustd/moderation/text/detect"
)

// categoryTarget is the dictionary category of words that address a person (你, you, ur …). Its
// hits are not reported; they turn nearby hits of the policy's target categories into abuse.
const categoryTarget = "target"

// categoryInsult is the dictionary category of words that insult only when aimed at a person
// (ugly, stupid, 丑, 蠢 …): common in ordinary reviews ("an ugly case", "包装好丑"), abuse in
// "you are so ugly" or "你长得真丑". Their hits are reported, as abuse, only when a target word
// sits within the policy's window and the policy's "target" statement lists the category;
// otherwise they are dropped.
const categoryInsult = "insult"

// Policy maps findings to decisions. It is compiled from policy files.
type Policy struct {
	cat     map[string]map[moderation.Scene]moderation.Decision // scene "" = every scene
	contact map[string][]moderation.Label
	combos  []combo
	target  map[string]targetRule // category → what a hit aimed at a person gets
}

// targetRule is one category of a "target" statement: the decision for a hit of the category
// with a target word at most window bytes before or after it.
type targetRule struct {
	d      moderation.Decision
	window int
}

type combo struct {
	labels []moderation.Label
	d      moderation.Decision
}

func compilePolicy(files []*File) (*Policy, error) {
	p := &Policy{cat: map[string]map[moderation.Scene]moderation.Decision{}, contact: map[string][]moderation.Label{},
		target: map[string]targetRule{}}
	for _, f := range files {
		for _, l := range f.Policy {
			errf := func(format string, a ...any) error {
				return &LineError{File: f.Name, Line: l.Line, Msg: fmt.Sprintf(format, a...)}
			}
			switch l.Verb {
			case "category":
				d := moderation.Decision(l.Args[1])
				if !d.Valid() {
					return nil, errf("unknown decision %q", l.Args[1])
				}
				scene := moderation.Scene(l.Opts["scene"])
				if scene != "" && !scene.Valid() {
					return nil, errf("unknown scene %q", scene)
				}
				if p.cat[l.Args[0]] == nil {
					p.cat[l.Args[0]] = map[moderation.Scene]moderation.Decision{}
				}
				p.cat[l.Args[0]][scene] = d
			case "contact":
				for lb := range strings.SplitSeq(l.Args[1], ",") {
					if !moderation.Label(lb).Valid() {
						return nil, errf("unknown label %q", lb)
					}
					p.contact[l.Args[0]] = append(p.contact[l.Args[0]], moderation.Label(lb))
				}
			case "combo":
				d := moderation.Decision(l.Args[1])
				if !d.Valid() {
					return nil, errf("unknown decision %q", l.Args[1])
				}
				var c combo
				for lb := range strings.SplitSeq(l.Args[0], "+") {
					if !moderation.Label(lb).Valid() {
						return nil, errf("unknown label %q", lb)
					}
					c.labels = append(c.labels, moderation.Label(lb))
				}
				c.d = d
				p.combos = append(p.combos, c)
			case "target":
				d := moderation.Decision(l.Args[1])
				if !d.Valid() {
					return nil, errf("unknown decision %q", l.Args[1])
				}
				r := targetRule{d: d, window: 20}
				if w, ok := l.Opts["window"]; ok {
					n, err := strconv.Atoi(w)
					if err != nil || n < 0 {
						return nil, errf("bad window %q", w)
					}
					r.window = n
				}
				// Each statement sets its own categories: "target insult block window=12" after
				// "target profanity,abuse block window=20" gives insults a narrower window.
				for c := range strings.SplitSeq(l.Args[0], ",") {
					p.target[c] = r
				}
			}
		}
	}
	return p, nil
}

// decision returns the policy decision for a category in a scene: the scene's entry, else the
// category's default, else review (an unknown category is never silently passed).
func (p *Policy) decision(cat string, scene moderation.Scene) (moderation.Decision, bool) {
	m := p.cat[cat]
	if d, ok := m[scene]; ok {
		return d, true
	}
	if d, ok := m[""]; ok {
		return d, true
	}
	return moderation.Review, false
}

type span struct {
	start, end int
	term       string
}

// targets returns the original spans of target-word matches that do not overlap another match
// (the "u" of spaced-out "b.u.l.l.s.h.i.t" is not a word addressing anyone).
func (p *Policy) targets(ms []match) []span {
	var out []span
	for _, m := range ms {
		if m.p.t.entry.Category != categoryTarget {
			continue
		}
		s, e := m.t.Span(m.a, m.b)
		overlaps := false
		for _, o := range ms {
			if o.p.t.entry.Category == categoryTarget {
				continue
			}
			if os, oe := o.t.Span(o.a, o.b); os < e && s < oe {
				overlaps = true
				break
			}
		}
		if !overlaps {
			out = append(out, span{s, e, m.p.t.entry.Term})
		}
	}
	return out
}

// aimed reports whether a hit of category cat at [start, end) is aimed at a person: the policy
// has a "target" statement for cat and a target word sits within its window before or after.
func (p *Policy) aimed(cat string, targets []span, start, end int) (string, bool) {
	r, ok := p.target[cat]
	if !ok {
		return "", false
	}
	for _, t := range targets {
		if t.end <= start && start-t.end <= r.window || t.start >= end && t.start-end <= r.window {
			return t.term, true
		}
	}
	return "", false
}

// Decide turns evidence into an outcome; every step is a line in Outcome.Reasons.
func (s *Set) Decide(ev *moderation.Evidence) moderation.Outcome {
	out := moderation.Outcome{Decision: moderation.Pass}
	scene := moderation.Scene("")
	if ev.Item != nil {
		scene = ev.Item.Scene
	}
	labels := map[moderation.Label]bool{}
	addLabel := func(l string) {
		if moderation.Label(l).Valid() {
			labels[moderation.Label(l)] = true
		}
	}
	raise := func(d moderation.Decision, reason string) {
		out.Decision = moderation.Max(out.Decision, d)
		out.Reasons = append(out.Reasons, reason+" → "+string(d))
	}
	for _, h := range ev.Hits {
		addLabel(h.Category)
		e, ok := s.Entry(h.Dictionary, h.Term)
		var d moderation.Decision
		src := "policy"
		switch {
		case ok && s.aimed(ev.Item, e.Category, h):
			d, src = s.policy.target[e.Category].d, "policy target: aimed at a person"
		case ok && e.Action != "":
			d, src = e.Action, "entry action"
		default:
			d, _ = s.policy.decision(h.Category, scene)
		}
		if ok {
			addLabel(e.Category)
			for _, l := range e.Also {
				labels[l] = true
			}
		}
		raise(d, fmt.Sprintf("%s hit %q [%s] in %s %d:%d (%s)", h.Category, h.Term, h.Dictionary, h.Field, h.Start, h.End, src))
	}
	for _, c := range ev.Contacts {
		ls := s.policy.contact[c.Type]
		typ := c.Type
		if dl, ok := s.policy.contact[c.Type+":disguised"]; ok && disguised(c) {
			ls, typ = dl, c.Type+" (disguised)"
		}
		if len(ls) == 0 {
			ls = []moderation.Label{moderation.LabelContact}
		}
		d := moderation.Pass
		for _, l := range ls {
			labels[l] = true
			ld, _ := s.policy.decision(string(l), scene)
			d = moderation.Max(d, ld)
		}
		raise(d, fmt.Sprintf("%s contact in %s %d:%d (labels %v)", typ, c.Field, c.Start, c.End, ls))
	}
	for _, sig := range ev.Signals {
		if sig.Label != "" {
			labels[sig.Label] = true
		}
		raise(sig.Decision, "signal "+string(sig.Label)+": "+sig.Reason)
	}
	for _, c := range s.policy.combos {
		if slices.ContainsFunc(c.labels, func(l moderation.Label) bool { return !labels[l] }) {
			continue
		}
		names := make([]string, len(c.labels))
		for i, l := range c.labels {
			names[i] = string(l)
		}
		raise(c.d, "combination "+strings.Join(names, "+"))
	}
	for l := range labels {
		out.Labels = append(out.Labels, l)
	}
	out.Labels = moderation.SortLabels(out.Labels)
	if out.Labels == nil {
		out.Labels = []moderation.Label{}
	}
	return out
}

// aimed reports whether a target word (你, you …) sits next to the hit in its field.
func (s *Set) aimed(it *moderation.Item, cat string, h moderation.Hit) bool {
	if _, ok := s.policy.target[cat]; !ok || it == nil {
		return false
	}
	var field string
	switch h.Field {
	case "title":
		field = it.Title
	case "body":
		field = it.Body
	default:
		return false
	}
	if h.End > len(field) || field[h.Start:h.End] != h.Text {
		return false
	}
	_, ok := s.policy.aimed(cat, s.policy.targets(find(s.dict, s.dictPats, text.Normalize(field))), h.Start, h.End)
	return ok
}

// disguised reports whether a contact is written so as to slip past filters: a number with
// digits other than ASCII and full-width ones (一三八, ①, 1️⃣, 壹, ⑴), or an e-mail address
// with its "@" spelled out (kate [at] gmail [dot] com). A policy line "contact TYPE:disguised
// LABELS" gives such contacts their own labels (contact phone:disguised contact,ad).
func disguised(c moderation.Contact) bool {
	if c.Type == moderation.ContactEmail {
		return !strings.ContainsAny(c.Text, "@＠")
	}
	for _, r := range c.Text {
		if r == 0x20E3 || r >= 0x80 && (r < 0xFF10 || r > 0xFF19) && detect.DigitValue(r) >= 0 { // U+20E3: keycap 1️⃣
			return true
		}
	}
	return false
}
