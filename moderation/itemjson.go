package moderation

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Fast paths for the JSON of an Item. Every moderation task carries one item, encoded by the
// client and decoded by the worker; with encoding/json (reflection, a validating pre-scan and a
// per-rune string loop) the two cost about a fifth of the worker's instructions per comment
// (callgrind, `trustd bench --stack text`). The functions here do the same work directly for
// the form items take in practice and give up (ok == false) on anything else, which then goes
// through encoding/json exactly as before, so its results and error messages are unchanged:
// decodeItemFast returns what json.Unmarshal would, or nothing; AppendJSON writes what
// json.Marshal would. FuzzDecodeItemFast and FuzzItemAppendJSON compare them with encoding/json.

// Item field bits, to refuse a repeated key (encoding/json lets the last one win, merging
// repeated objects and arrays: not worth copying).
const (
	fID = 1 << iota
	fScene
	fRevision
	fAuthor
	fParent
	fSubmitted
	fTitle
	fBody
	fImages
	fMeta
)

// decodeItemFast decodes data, which must be valid UTF-8, into an Item when data is a JSON
// object whose keys are all exact, distinct Item field names with values of the field's
// type (a string, a plain integer for revision, an array of {"url": string} objects for
// images, any JSON value for meta). It returns ok == false otherwise, and whenever
// encoding/json might decode differently or fail.
func decodeItemFast(data []byte) (it *Item, ok bool) {
	d := itemDecoder{b: data}
	d.ws()
	if !d.byte('{') {
		return nil, false
	}
	it = new(Item)
	seen := 0
	d.ws()
	if d.byte('}') {
		return it, d.end()
	}
	for {
		d.ws()
		key, ok := d.plainString()
		if !ok {
			return nil, false
		}
		d.ws()
		if !d.byte(':') {
			return nil, false
		}
		d.ws()
		var bit int
		switch string(key) {
		case "id":
			bit = fID
			it.ID, ok = d.str()
		case "scene":
			bit = fScene
			var s string
			s, ok = d.str()
			it.Scene = internScene(s)
		case "revision":
			bit = fRevision
			it.Revision, ok = d.int64()
		case "author_id":
			bit = fAuthor
			it.AuthorID, ok = d.str()
		case "parent_id":
			bit = fParent
			it.ParentID, ok = d.str()
		case "submitted_at":
			bit = fSubmitted
			ok = d.time(it)
		case "title":
			bit = fTitle
			it.Title, ok = d.str()
		case "body":
			bit = fBody
			it.Body, ok = d.str()
		case "images":
			bit = fImages
			it.Images, ok = d.images()
		case "meta":
			bit = fMeta
			it.Meta, ok = d.raw()
		default:
			// Unknown keys (ignored by encoding/json) and keys that differ only in case
			// (matched by it) are left to encoding/json.
			return nil, false
		}
		if !ok || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		d.ws()
		if d.byte('}') {
			return it, d.end()
		}
		if !d.byte(',') {
			return nil, false
		}
	}
}

// internScene returns the Scene constant equal to s, so that decoding a known scene does not
// allocate.
func internScene(s string) Scene {
	for _, sc := range Scenes {
		if string(sc) == s {
			return sc
		}
	}
	return Scene(s)
}

type itemDecoder struct {
	b []byte
	i int
}

// ws skips JSON whitespace.
func (d *itemDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte consumes c if it comes next.
func (d *itemDecoder) byte(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (d *itemDecoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

// token scans the JSON string starting at d.i and returns its contents (between the quotes,
// escapes not yet resolved) and whether it has escapes. Control characters and invalid
// escapes make it fail, as they make the JSON invalid.
func (d *itemDecoder) token() (raw []byte, escaped, ok bool) {
	if !d.byte('"') {
		return nil, false, false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			raw = d.b[start:d.i]
			d.i++
			return raw, escaped, true
		case c < ' ':
			return nil, false, false
		case c == '\\':
			escaped = true
			if d.i+1 >= len(d.b) {
				return nil, false, false
			}
			switch d.b[d.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i += 2
			case 'u':
				if getu4(d.b[d.i:]) < 0 {
					return nil, false, false
				}
				d.i += 6
			default:
				return nil, false, false
			}
		default:
			d.i++
		}
	}
	return nil, false, false
}

// plainString reads a string without escapes (an object key) and returns its bytes.
func (d *itemDecoder) plainString() ([]byte, bool) {
	raw, escaped, ok := d.token()
	return raw, ok && !escaped
}

// str reads a JSON string value.
func (d *itemDecoder) str() (string, bool) {
	raw, escaped, ok := d.token()
	if !ok {
		return "", false
	}
	if !escaped {
		return string(raw), true
	}
	return string(unescape(raw)), true
}

// int64 reads an integer in plain JSON form. A fraction or exponent (which encoding/json
// rejects for an int64 field, with an error it words) or more than 18 digits is refused.
func (d *itemDecoder) int64() (int64, bool) {
	neg := d.byte('-')
	start := d.i
	var n int64
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		n = n*10 + int64(d.b[d.i]-'0')
		d.i++
	}
	digits := d.i - start
	if digits == 0 || digits > 18 || (d.b[start] == '0' && digits > 1) {
		return 0, false // no digits, possible overflow, or a leading zero (invalid JSON)
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// time reads submitted_at the way encoding/json does: the quoted literal goes to
// time.Time.UnmarshalJSON as it is.
func (d *itemDecoder) time(it *Item) bool {
	start := d.i
	if _, _, ok := d.token(); !ok {
		return false
	}
	return it.SubmittedAt.UnmarshalJSON(d.b[start:d.i]) == nil
}

// images reads an array of {"url": string} objects.
func (d *itemDecoder) images() ([]Image, bool) {
	if !d.byte('[') {
		return nil, false
	}
	imgs := []Image{} // encoding/json makes [] an empty, non-nil slice
	d.ws()
	if d.byte(']') {
		return imgs, true
	}
	for {
		d.ws()
		if !d.byte('{') {
			return nil, false
		}
		d.ws()
		if key, ok := d.plainString(); !ok || string(key) != "url" {
			return nil, false
		}
		d.ws()
		if !d.byte(':') {
			return nil, false
		}
		d.ws()
		url, ok := d.str()
		if !ok {
			return nil, false
		}
		d.ws()
		if !d.byte('}') {
			return nil, false
		}
		imgs = append(imgs, Image{URL: url})
		d.ws()
		if d.byte(']') {
			return imgs, true
		}
		if !d.byte(',') {
			return nil, false
		}
	}
}

// raw reads any JSON value and returns a copy of its bytes, as json.RawMessage keeps them.
// It finds the end of the value by brackets and strings alone and then has json.Valid check
// that part: a valid value ends exactly there, and anything else is refused.
func (d *itemDecoder) raw() (json.RawMessage, bool) {
	start := d.i
	depth := 0
	for d.i < len(d.b) {
		switch c := d.b[d.i]; c {
		case '"':
			if _, _, ok := d.token(); !ok {
				return nil, false
			}
			if depth == 0 {
				return d.validRaw(start)
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of the enclosing object: a literal or number ends here
				return d.validRaw(start)
			}
			depth--
			if depth == 0 {
				d.i++
				return d.validRaw(start)
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return d.validRaw(start)
			}
		}
		d.i++
	}
	return nil, false
}

func (d *itemDecoder) validRaw(start int) (json.RawMessage, bool) {
	v := d.b[start:d.i]
	if len(v) == 0 || !json.Valid(v) {
		return nil, false
	}
	return append(json.RawMessage(nil), v...), true
}

// getu4 decodes \uXXXX at the start of s, or returns -1 (as encoding/json's getu4).
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unescape resolves the escapes of a string token that token accepted (so every escape is
// well-formed), with encoding/json's rules: a \u escape of a lone or mismatched surrogate
// becomes U+FFFD.
func unescape(s []byte) []byte {
	b := make([]byte, 0, len(s))
	for r := 0; r < len(s); {
		c := s[r]
		if c != '\\' {
			b = append(b, c)
			r++
			continue
		}
		switch s[r+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			rr := getu4(s[r:])
			r += 6
			if utf16.IsSurrogate(rr) {
				if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
					r += 6
					b = utf8.AppendRune(b, dec)
					continue
				}
				rr = unicode.ReplacementChar
			}
			b = utf8.AppendRune(b, rr)
			continue
		default: // '"', '\\', '/'
			b = append(b, s[r+1])
		}
		r += 2
	}
	return b
}

// AppendJSON appends the JSON encoding of it to dst: byte for byte what json.Marshal(it)
// returns, with the same error (it then encodes the item with json.Marshal), at a fraction
// of the cost.
func (it *Item) AppendJSON(dst []byte) ([]byte, error) {
	b, ok := it.appendJSON(dst)
	if ok {
		return b, nil
	}
	enc, err := json.Marshal(it)
	if err != nil {
		return dst, err
	}
	return append(dst, enc...), nil
}

// appendJSON is AppendJSON without the fallback: ok is false when a part (a time out of
// range, meta that is not valid JSON) makes json.Marshal fail.
func (it *Item) appendJSON(b []byte) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, it.ID)
	b = append(b, `,"scene":`...)
	b = appendJSONString(b, string(it.Scene))
	if it.Revision != 0 {
		b = append(b, `,"revision":`...)
		b = strconv.AppendInt(b, it.Revision, 10)
	}
	b = append(b, `,"author_id":`...)
	b = appendJSONString(b, it.AuthorID)
	if it.ParentID != "" {
		b = append(b, `,"parent_id":`...)
		b = appendJSONString(b, it.ParentID)
	}
	if !it.SubmittedAt.IsZero() {
		b = append(b, `,"submitted_at":`...)
		var err error
		if b, err = appendJSONTime(b, it.SubmittedAt); err != nil {
			return b, false
		}
	}
	if it.Title != "" {
		b = append(b, `,"title":`...)
		b = appendJSONString(b, it.Title)
	}
	if it.Body != "" {
		b = append(b, `,"body":`...)
		b = appendJSONString(b, it.Body)
	}
	if len(it.Images) > 0 {
		b = append(b, `,"images":[`...)
		for i, im := range it.Images {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"url":`...)
			b = appendJSONString(b, im.URL)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(it.Meta) > 0 {
		b = append(b, `,"meta":`...)
		var ok bool
		if b, ok = appendJSONRaw(b, it.Meta); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendJSONTime appends t as encoding/json does (time.Time.MarshalJSON: RFC 3339 with
// nanoseconds, an error for years outside 0–9999).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return b, err
	}
	return append(b, '"'), nil
}

// appendJSONRaw appends a json.RawMessage as encoding/json does: compacted, with <, >, &,
// U+2028 and U+2029 escaped. Compact JSON without those characters (what the fast decoder
// reads from a compact payload) is copied as it is; anything else goes through json.Marshal.
// ok is false when raw is not valid JSON.
func appendJSONRaw(b []byte, raw json.RawMessage) (_ []byte, ok bool) {
	if compactSafe(raw) && json.Valid(raw) {
		return append(b, raw...), true
	}
	enc, err := json.Marshal(raw)
	if err != nil {
		return b, false
	}
	return append(b, enc...), true
}

// compactSafe reports whether raw has no byte that encoding/json's compaction would change:
// no whitespace outside strings (checked loosely: none at all), no <, > or &, and no U+2028 or
// U+2029 (whose UTF-8 starts with 0xE2).
func compactSafe(raw []byte) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return false
		}
	}
	return true
}

// appendJSONString appends s as a JSON string exactly as encoding/json does with HTML
// escaping on: ", \ and control characters escaped (\b \f \n \r \t by name, the rest as \u00XX),
// <, > and & as \u003c \u003e \u0026, U+2028 and U+2029 as \u2028 \u2029, each byte of invalid
// UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	valid := utf8.ValidString(s)
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		if valid && c != 0xE2 {
			// Valid UTF-8: only U+2028 and U+2029 (E2 80 A8/A9) need escaping.
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes encoding/json copies into a string unescaped (its
// htmlSafeSet): printable ASCII and DEL, except ", \, <, > and &.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()
