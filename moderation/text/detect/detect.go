package detect

import (
	"github.com/trustd/trustd/moderation"
)

// Config configures a Detector. The zero value is usable: it selects the built-in minimal
// triggers only (see the package documentation) and no own-domain allowlist.
type Config struct {
	// Variants maps a canonical trigger word to its alternative spellings, loaded by the rules
	// package from the rules directory's variant tables (not hard-coded in the rules helper's code).
	// Keys honoured: "微信", "QQ", "加", "手机", "电话" (see doc.go for the built-in spellings used
	// when a key is absent, and for how each key is used). Unknown keys are ignored.
	// Zero value: built-in minimal triggers only.
	Variants map[string][]string
	// OwnDomains lists the platform's own domains; URLs on them (and subdomains) are not contacts.
	// Zero value: every URL and bare domain is a contact.
	OwnDomains []string
}

// Detector finds contact details, self-advertising and Advertising-Law absolute terms.
// It is immutable after New and safe for concurrent use.
type Detector struct {
	cfg Config
}

// New builds a Detector from cfg.
func New(cfg Config) (*Detector, error) {
	return &Detector{cfg: cfg}, nil
}

// Contacts finds contact details and self-advertising in one field's text. Offsets are byte
// offsets into text: text[c.Start:c.End] == c.Text always.
func (d *Detector) Contacts(field, text string) []moderation.Contact {
	return nil
}

// AdLaw finds Advertising-Law absolute terms (最/第一/顶级/国家级/100%有效/TOP1 and variants such
// as 蕞, 最·佳), as Hits with Category and Dictionary "ad_law".
func (d *Detector) AdLaw(field, text string) []moderation.Hit {
	return nil
}
