package moderation

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Decision is the outcome of moderation (DESIGN §4).
type Decision string

// The decisions, from least to most severe.
const (
	Pass   Decision = "pass"
	Review Decision = "review"
	Limit  Decision = "limit" // visible to the author only
	Block  Decision = "block"
)

// Decisions lists every decision from least to most severe.
var Decisions = []Decision{Pass, Review, Limit, Block}

// Severity orders decisions: pass < review < limit < block. Unknown decisions are -1.
func (d Decision) Severity() int { return slices.Index(Decisions, d) }

// Valid reports whether d is a known decision.
func (d Decision) Valid() bool { return d.Severity() >= 0 }

// Max returns the more severe of two decisions.
func Max(a, b Decision) Decision {
	if b.Severity() > a.Severity() {
		return b
	}
	return a
}

// Label is a reason attached to a verdict. Labels come from a closed set (DESIGN §4).
type Label string

// The labels.
const (
	LabelProfanity      Label = "profanity"
	LabelAbuse          Label = "abuse"
	LabelSexual         Label = "sexual"
	LabelHate           Label = "hate"
	LabelAd             Label = "ad"
	LabelContact        Label = "contact"
	LabelSpam           Label = "spam"
	LabelAdLaw          Label = "ad_law"
	LabelGambling       Label = "gambling"
	LabelDrugs          Label = "drugs"
	LabelScam           Label = "scam"
	LabelDuplicateImage Label = "duplicate_image"
	LabelFakeProduct    Label = "fake_product"
	LabelImageError     Label = "image_error"
	LabelFlood          Label = "flood"
)

// Labels lists every label, sorted.
var Labels = func() []Label {
	l := []Label{LabelProfanity, LabelAbuse, LabelSexual, LabelHate, LabelAd, LabelContact, LabelSpam,
		LabelAdLaw, LabelGambling, LabelDrugs, LabelScam, LabelDuplicateImage, LabelFakeProduct,
		LabelImageError, LabelFlood}
	slices.Sort(l)
	return l
}()

// Valid reports whether l is one of the known labels.
func (l Label) Valid() bool {
	_, ok := slices.BinarySearch(Labels, l)
	return ok
}

// Hit is one dictionary match. Start and End are byte offsets into the original field text
// (end exclusive), so field[Start:End] == Text always holds.
type Hit struct {
	Field      string `json:"field"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Text       string `json:"text"`
	Term       string `json:"term"`
	Category   string `json:"category"`
	Dictionary string `json:"dictionary"`
}

// Contact is one detected contact or self-advertising signal, with offsets like Hit.
type Contact struct {
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Contact types reported by the detectors.
const (
	ContactWeChat   = "wechat"
	ContactQQ       = "qq"
	ContactPhone    = "phone"
	ContactEmail    = "email"
	ContactURL      = "url"
	ContactTaoToken = "taokouling"
	ContactBait     = "bait"
	ContactAlipay   = "alipay" // an Alipay code read in an image (payment off the platform)
)

// ImageMatch is one index match of an image.
type ImageMatch struct {
	Bank      string `json:"bank"`
	ContentID string `json:"content_id,omitempty"`
	AuthorID  string `json:"author_id,omitempty"`
	Distance  int    `json:"distance"`
	Variant   string `json:"variant,omitempty"` // which query variant matched: "", "mirror", "rot90", "crop", ...
	Kind      string `json:"kind,omitempty"`    // bank kind: seen, deny, allow
}

// Image statuses.
const (
	ImageOK    = "ok"
	ImageError = "error"
)

// ImageResult is the outcome of checking one image of an item.
//
// Codes, Text, Hits and Contacts are what was read inside the image (QR codes, OCR). They
// are additions to the DESIGN §4 verdict and omitted when empty, so consumers of the contract
// see no change. Hits and Contacts found inside an image name their source in Field as
// "image[i].code[k]" (offsets into Codes[k].Payload) or "image[i].ocr" (offsets into Text);
// the top-level hits and contacts keep only the title and body fields.
type ImageResult struct {
	Index    int          `json:"index"`
	Status   string       `json:"status"`
	Error    string       `json:"error,omitempty"`
	PHash    string       `json:"phash,omitempty"`
	Matches  []ImageMatch `json:"matches,omitempty"`
	Codes    []ImageCode  `json:"codes,omitempty"`
	Text     string       `json:"text,omitempty"`
	Hits     []Hit        `json:"hits,omitempty"`
	Contacts []Contact    `json:"contacts,omitempty"`
}

// ImageCode is a machine-readable code decoded from an image.
type ImageCode struct {
	// Format is the symbology: "qr_code".
	Format string `json:"format"`
	// Kind classifies the payload: one of the CodeKind constants.
	Kind string `json:"kind"`
	// Payload is the decoded content (capped in length by the reader).
	Payload string `json:"payload"`
}

// Kinds of decoded code payloads.
const (
	CodeWeChat         = "wechat"          // a WeChat personal contact
	CodeWeChatGroup    = "wechat_group"    // a WeChat group invitation
	CodeWeChatOfficial = "wechat_official" // a WeChat official account
	CodeWeChatPay      = "wechat_pay"      // a WeChat payment code (wxp://)
	CodeQQ             = "qq"              // a QQ contact or group
	CodeAlipay         = "alipay"          // an Alipay link or payment code
	CodeTaobao         = "taobao"          // a Taobao / Tmall link
	CodeURL            = "url"             // any other URL
	CodeText           = "text"            // plain text
)

// CodeKinds lists every code kind, for closed metric label sets.
var CodeKinds = []string{CodeWeChat, CodeWeChatGroup, CodeWeChatOfficial, CodeWeChatPay, CodeQQ,
	CodeAlipay, CodeTaobao, CodeURL, CodeText}

// ImageCodeField is the Hit/Contact field of evidence found in code k of image i.
func ImageCodeField(i, k int) string {
	return "image[" + strconv.Itoa(i) + "].code[" + strconv.Itoa(k) + "]"
}

// ImageOCRField is the Hit/Contact field of evidence found in the OCR'd text of image i.
func ImageOCRField(i int) string { return "image[" + strconv.Itoa(i) + "].ocr" }

// Versions records what produced a verdict.
type Versions struct {
	Rules string `json:"rules"`
	Build string `json:"build"`
}

// Event types of verdict events.
const (
	EventCreated = "verdict.created"
	EventUpdated = "verdict.updated"
)

// DecidedByAuto is Verdict.DecidedBy for machine decisions; moderators are "moderator:<id>".
const DecidedByAuto = "auto"

// Verdict is the result of moderating one item revision (DESIGN §4).
type Verdict struct {
	EventID   string          `json:"event_id"`
	EventType string          `json:"event_type"`
	ContentID string          `json:"content_id"`
	Revision  int64           `json:"revision"`
	Scene     Scene           `json:"scene"`
	AuthorID  string          `json:"author_id"`
	Decision  Decision        `json:"decision"`
	Labels    []Label         `json:"labels"`
	Hits      []Hit           `json:"hits"`
	Contacts  []Contact       `json:"contacts"`
	Images    []ImageResult   `json:"images"`
	Reasons   []string        `json:"reasons,omitempty"` // human-readable policy trace
	Versions  Versions        `json:"versions"`
	DecidedBy string          `json:"decided_by"`
	DecidedAt time.Time       `json:"decided_at"`
	Meta      json.RawMessage `json:"meta,omitempty"`
}

// Key returns the idempotency key of the item the verdict is about.
func (v *Verdict) Key() Key { return Key{Scene: v.Scene, ID: v.ContentID, Revision: v.Revision} }

// normalizeSlices makes nil slices empty so that JSON always carries every field as an array.
func (v *Verdict) normalizeSlices() {
	if v.Labels == nil {
		v.Labels = []Label{}
	}
	if v.Hits == nil {
		v.Hits = []Hit{}
	}
	if v.Contacts == nil {
		v.Contacts = []Contact{}
	}
	if v.Images == nil {
		v.Images = []ImageResult{}
	}
}

// SortLabels sorts and de-duplicates labels in place and returns the result.
func SortLabels(l []Label) []Label {
	slices.Sort(l)
	return slices.Compact(l)
}
