package rules

import (
	"fmt"
	"strings"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text"
)

// Explanation says how one field was read: its normalised form and why every hit, suppressed
// hit and contact fired.
type Explanation struct {
	Field      string
	Normalized string
	Findings   []Finding
	Contacts   []moderation.Contact
}

// Finding is one dictionary match with its reason.
type Finding struct {
	Hit moderation.Hit
	// Why says how the term matched: "substring", "whole word", "whole word (plural)", and
	// "aimed at a person (…)" when a target word turned it into abuse.
	Why string
	// AllowedBy is the allow phrase that suppressed the hit; empty when the hit stands.
	AllowedBy string
}

// Explain scans one field like ScanText and reports the normalised text and the reasons.
func (s *Set) Explain(scene moderation.Scene, field, txt string) Explanation {
	_, contacts, found := s.scan(scene, field, txt, true)
	ex := Explanation{Field: field, Normalized: text.Normalize(txt).String(), Contacts: contacts}
	for _, f := range found {
		ex.Findings = append(ex.Findings, Finding{Hit: f.hit, Why: f.why, AllowedBy: f.allowed})
	}
	return ex
}

// String renders the explanation for people, one line per finding.
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s normalised: %s\n", e.Field, e.Normalized)
	for _, f := range e.Findings {
		h := f.Hit
		state := "hit"
		if f.AllowedBy != "" {
			state = "allowed by " + fmt.Sprintf("%q", f.AllowedBy)
		}
		fmt.Fprintf(&b, "  %s %d:%d %q → term %q [%s/%s] (%s)\n", state, h.Start, h.End, h.Text, h.Term, h.Dictionary, h.Category, f.Why)
	}
	for _, c := range e.Contacts {
		fmt.Fprintf(&b, "  contact %d:%d %q → %s %q\n", c.Start, c.End, c.Text, c.Type, c.Value)
	}
	return b.String()
}
