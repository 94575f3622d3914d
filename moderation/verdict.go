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

// AppendJSON appends the JSON encoding of v to dst: byte for byte what json.Marshal(v)
// returns, with the same error (it then encodes v with json.Marshal). Every verdict is
// encoded once to be published; this costs a fraction of json.Marshal's reflection.
func (v *Verdict) AppendJSON(dst []byte) ([]byte, error) {
	if b, ok := v.appendJSON(dst); ok {
		return b, nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, enc...), nil
}

func (v *Verdict) appendJSON(b []byte) (_ []byte, ok bool) {
	b = append(b, `{"event_id":`...)
	b = appendJSONString(b, v.EventID)
	b = append(b, `,"event_type":`...)
	b = appendJSONString(b, v.EventType)
	b = append(b, `,"content_id":`...)
	b = appendJSONString(b, v.ContentID)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, v.Revision, 10)
	b = append(b, `,"scene":`...)
	b = appendJSONString(b, string(v.Scene))
	b = append(b, `,"author_id":`...)
	b = appendJSONString(b, v.AuthorID)
	b = append(b, `,"decision":`...)
	b = appendJSONString(b, string(v.Decision))
	b = append(b, `,"labels":`...)
	b = appendJSONSlice(b, v.Labels, func(b []byte, l Label) []byte { return appendJSONString(b, string(l)) })
	b = append(b, `,"hits":`...)
	b = appendJSONSlice(b, v.Hits, appendJSONHit)
	b = append(b, `,"contacts":`...)
	b = appendJSONSlice(b, v.Contacts, appendJSONContact)
	b = append(b, `,"images":`...)
	b = appendJSONSlice(b, v.Images, appendJSONImageResult)
	if len(v.Reasons) > 0 {
		b = append(b, `,"reasons":`...)
		b = appendJSONSlice(b, v.Reasons, appendJSONString)
	}
	b = append(b, `,"versions":{"rules":`...)
	b = appendJSONString(b, v.Versions.Rules)
	b = append(b, `,"build":`...)
	b = appendJSONString(b, v.Versions.Build)
	b = append(b, `},"decided_by":`...)
	b = appendJSONString(b, v.DecidedBy)
	b = append(b, `,"decided_at":`...)
	var err error
	if b, err = appendJSONTime(b, v.DecidedAt); err != nil {
		return b, false
	}
	if len(v.Meta) > 0 {
		b = append(b, `,"meta":`...)
		if b, ok = appendJSONRaw(b, v.Meta); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendJSONSlice appends s as a JSON array (null when s is nil, as encoding/json does).
func appendJSONSlice[T any](b []byte, s []T, elem func([]byte, T) []byte) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, e)
	}
	return append(b, ']')
}

func appendJSONHit(b []byte, h Hit) []byte {
	b = append(b, `{"field":`...)
	b = appendJSONString(b, h.Field)
	b = append(b, `,"start":`...)
	b = strconv.AppendInt(b, int64(h.Start), 10)
	b = append(b, `,"end":`...)
	b = strconv.AppendInt(b, int64(h.End), 10)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, h.Text)
	b = append(b, `,"term":`...)
	b = appendJSONString(b, h.Term)
	b = append(b, `,"category":`...)
	b = appendJSONString(b, h.Category)
	b = append(b, `,"dictionary":`...)
	b = appendJSONString(b, h.Dictionary)
	return append(b, '}')
}

func appendJSONContact(b []byte, c Contact) []byte {
	b = append(b, `{"field":`...)
	b = appendJSONString(b, c.Field)
	b = append(b, `,"start":`...)
	b = strconv.AppendInt(b, int64(c.Start), 10)
	b = append(b, `,"end":`...)
	b = strconv.AppendInt(b, int64(c.End), 10)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, c.Text)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, c.Type)
	b = append(b, `,"value":`...)
	b = appendJSONString(b, c.Value)
	return append(b, '}')
}

func appendJSONImageResult(b []byte, r ImageResult) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(r.Index), 10)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, r.Status)
	if r.Error != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, r.Error)
	}
	if r.PHash != "" {
		b = append(b, `,"phash":`...)
		b = appendJSONString(b, r.PHash)
	}
	if len(r.Matches) > 0 {
		b = append(b, `,"matches":`...)
		b = appendJSONSlice(b, r.Matches, appendJSONImageMatch)
	}
	if len(r.Codes) > 0 {
		b = append(b, `,"codes":`...)
		b = appendJSONSlice(b, r.Codes, appendJSONImageCode)
	}
	if r.Text != "" {
		b = append(b, `,"text":`...)
		b = appendJSONString(b, r.Text)
	}
	if len(r.Hits) > 0 {
		b = append(b, `,"hits":`...)
		b = appendJSONSlice(b, r.Hits, appendJSONHit)
	}
	if len(r.Contacts) > 0 {
		b = append(b, `,"contacts":`...)
		b = appendJSONSlice(b, r.Contacts, appendJSONContact)
	}
	return append(b, '}')
}

func appendJSONImageMatch(b []byte, m ImageMatch) []byte {
	b = append(b, `{"bank":`...)
	b = appendJSONString(b, m.Bank)
	if m.ContentID != "" {
		b = append(b, `,"content_id":`...)
		b = appendJSONString(b, m.ContentID)
	}
	if m.AuthorID != "" {
		b = append(b, `,"author_id":`...)
		b = appendJSONString(b, m.AuthorID)
	}
	b = append(b, `,"distance":`...)
	b = strconv.AppendInt(b, int64(m.Distance), 10)
	if m.Variant != "" {
		b = append(b, `,"variant":`...)
		b = appendJSONString(b, m.Variant)
	}
	if m.Kind != "" {
		b = append(b, `,"kind":`...)
		b = appendJSONString(b, m.Kind)
	}
	return append(b, '}')
}

func appendJSONImageCode(b []byte, c ImageCode) []byte {
	b = append(b, `{"format":`...)
	b = appendJSONString(b, c.Format)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, c.Kind)
	b = append(b, `,"payload":`...)
	b = appendJSONString(b, c.Payload)
	return append(b, '}')
}
