package moderation

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Scene is the kind of content an item is.
type Scene string

// The scenes trustd knows (DESIGN §3).
const (
	SceneNote     Scene = "note"
	SceneComment  Scene = "comment"
	SceneNickname Scene = "nickname"
)

// Scenes lists every valid scene, in a stable order (useful to pre-initialise metric labels).
var Scenes = []Scene{SceneNote, SceneComment, SceneNickname}

// Valid reports whether s is one of the known scenes.
func (s Scene) Valid() bool {
	switch s {
	case SceneNote, SceneComment, SceneNickname:
		return true
	}
	return false
}

// Limits on an item. They bound the work one item can cause; anything above them is rejected
// with a FieldError rather than truncated, so nothing is ever half-processed.
const (
	MaxIDLen     = 128
	MaxImages    = 18
	MaxFieldLen  = 64 << 10 // bytes in title or body
	MaxURLLen    = 2048
	MaxMetaBytes = 16 << 10 // encoded size of meta
	MaxMetaDepth = 32       // nesting of objects and arrays in meta
)

// Image is one image reference of an item.
type Image struct {
	URL string `json:"url"`
}

// Item is what platform services submit (DESIGN §3).
type Item struct {
	ID          string          `json:"id"`
	Scene       Scene           `json:"scene"`
	Revision    int64           `json:"revision,omitempty"`
	AuthorID    string          `json:"author_id"`
	ParentID    string          `json:"parent_id,omitempty"`
	SubmittedAt time.Time       `json:"submitted_at,omitzero"`
	Title       string          `json:"title,omitempty"`
	Body        string          `json:"body,omitempty"`
	Images      []Image         `json:"images,omitempty"`
	Meta        json.RawMessage `json:"meta,omitempty"`
}

// ErrInvalidItem is wrapped by every validation error, so callers can branch with errors.Is.
var ErrInvalidItem = errors.New("invalid item")

// FieldError names the field of an item that failed validation.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("invalid item: %s: %s", e.Field, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalidItem) true for every FieldError.
func (e *FieldError) Unwrap() error { return ErrInvalidItem }

// Key is the idempotency key of an item: (scene, id, revision).
type Key struct {
	Scene    Scene
	ID       string
	Revision int64
}

// String renders the key as "scene:id:revision", the form used for task ids and Redis keys.
func (k Key) String() string {
	return string(k.Scene) + ":" + k.ID + ":" + strconv.FormatInt(k.Revision, 10)
}

// Key returns the item's idempotency key. Call Normalize first so that Revision is set.
func (it *Item) Key() Key { return Key{Scene: it.Scene, ID: it.ID, Revision: it.Revision} }

// Normalize fills defaults (revision 1) and validates the item. It returns a *FieldError
// naming the first invalid field.
func (it *Item) Normalize() error {
	if it.Revision == 0 {
		it.Revision = 1
	}
	return it.Validate()
}

// Validate checks the item against DESIGN §3 and the limits above.
func (it *Item) Validate() error {
	if err := validID("id", it.ID, true); err != nil {
		return err
	}
	if it.Scene == "" {
		return &FieldError{"scene", "required"}
	}
	if !it.Scene.Valid() {
		return &FieldError{"scene", fmt.Sprintf("unknown scene %q (want note, comment or nickname)", truncate(string(it.Scene), 32))}
	}
	if it.Revision < 1 {
		return &FieldError{"revision", "must be >= 1"}
	}
	if it.AuthorID == "" {
		return &FieldError{"author_id", "required"}
	}
	if len(it.AuthorID) > MaxIDLen || !utf8.ValidString(it.AuthorID) {
		return &FieldError{"author_id", fmt.Sprintf("must be valid UTF-8 of at most %d bytes", MaxIDLen)}
	}
	if len(it.ParentID) > MaxIDLen || !utf8.ValidString(it.ParentID) {
		return &FieldError{"parent_id", fmt.Sprintf("must be valid UTF-8 of at most %d bytes", MaxIDLen)}
	}
	for _, f := range []struct{ name, v string }{{"title", it.Title}, {"body", it.Body}} {
		if len(f.v) > MaxFieldLen {
			return &FieldError{f.name, fmt.Sprintf("too long: %d bytes (max %d)", len(f.v), MaxFieldLen)}
		}
		if !utf8.ValidString(f.v) {
			return &FieldError{f.name, "not valid UTF-8"}
		}
	}
	if len(it.Images) > MaxImages {
		return &FieldError{"images", fmt.Sprintf("too many: %d (max %d)", len(it.Images), MaxImages)}
	}
	for i, im := range it.Images {
		if im.URL == "" {
			return &FieldError{fmt.Sprintf("images[%d].url", i), "required"}
		}
		if len(im.URL) > MaxURLLen || !utf8.ValidString(im.URL) {
			return &FieldError{fmt.Sprintf("images[%d].url", i), fmt.Sprintf("must be valid UTF-8 of at most %d bytes", MaxURLLen)}
		}
	}
	if len(it.Meta) > MaxMetaBytes {
		return &FieldError{"meta", fmt.Sprintf("too large: %d bytes (max %d)", len(it.Meta), MaxMetaBytes)}
	}
	if len(it.Meta) > 0 && !json.Valid(it.Meta) {
		return &FieldError{"meta", "not valid JSON"}
	}
	if d := jsonDepth(it.Meta); d > MaxMetaDepth {
		// meta is echoed in every verdict: consumers in other languages must be able to parse it.
		return &FieldError{"meta", fmt.Sprintf("nested too deeply: %d levels (max %d)", d, MaxMetaDepth)}
	}
	return nil
}

// jsonDepth returns the deepest nesting of objects and arrays in valid JSON.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

func validID(field, s string, required bool) error {
	if s == "" {
		if required {
			return &FieldError{field, "required"}
		}
		return nil
	}
	if len(s) > MaxIDLen {
		return &FieldError{field, fmt.Sprintf("too long: %d bytes (max %d)", len(s), MaxIDLen)}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return &FieldError{field, "may contain only A-Z a-z 0-9 . _ : -"}
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// DecodeItem decodes one JSON item, applies defaults and validates it. Unknown fields are
// ignored (forward compatibility); a decode error is reported as a FieldError on "item".
//
// Input that is not valid UTF-8 is rejected rather than repaired: encoding/json would silently
// replace bad bytes with U+FFFD, and the verdict's offsets would then describe text the
// platform never sent.
func DecodeItem(data []byte) (*Item, error) {
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, &FieldError{"item", fmt.Sprintf("not valid UTF-8 (first bad byte at offset %d)", i)}
	}
	if it, ok := decodeItemFast(data); ok {
		if err := it.Normalize(); err != nil {
			return nil, err
		}
		return it, nil
	}
	var it Item
	if err := json.Unmarshal(data, &it); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, &FieldError{te.Field, fmt.Sprintf("wrong type: got JSON %s, want %s", te.Value, te.Type)}
		}
		return nil, &FieldError{"item", "malformed JSON: " + err.Error()}
	}
	if err := it.Normalize(); err != nil {
		return nil, err
	}
	return &it, nil
}
