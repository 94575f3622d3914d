package moderation_test

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/trustd/trustd/moderation"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDecodeItemValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", moderation.MaxFieldLen+1)
	tests := []struct {
		name      string
		json      string
		wantField string // "" means valid
	}{
		{"minimal note", `{"id":"n-1","scene":"note","author_id":"u"}`, ""},
		{"all fields", `{"id":"n.1:a_b-c","scene":"comment","revision":3,"author_id":"u","parent_id":"n-0","submitted_at":"2026-11-21T10:00:00Z","title":"t","body":"b","images":[{"url":"https://x/a.jpg"}],"meta":{"a":[1,2]}}`, ""},
		{"unknown fields are ignored", `{"id":"n","scene":"note","author_id":"u","future":true}`, ""},
		{"missing id", `{"scene":"note","author_id":"u"}`, "id"},
		{"id with space", `{"id":"a b","scene":"note","author_id":"u"}`, "id"},
		{"id too long", `{"id":"` + strings.Repeat("x", 129) + `","scene":"note","author_id":"u"}`, "id"},
		{"missing scene", `{"id":"n","author_id":"u"}`, "scene"},
		{"unknown scene", `{"id":"n","scene":"blog","author_id":"u"}`, "scene"},
		{"missing author", `{"id":"n","scene":"note"}`, "author_id"},
		{"negative revision", `{"id":"n","scene":"note","author_id":"u","revision":-1}`, "revision"},
		{"revision wrong type", `{"id":"n","scene":"note","author_id":"u","revision":"2"}`, "revision"},
		{"body wrong type", `{"id":"n","scene":"note","author_id":"u","body":{"x":1}}`, "body"},
		{"body too long", `{"id":"n","scene":"note","author_id":"u","body":"` + long + `"}`, "body"},
		{"invalid UTF-8 in title", "{\"id\":\"n\",\"scene\":\"note\",\"author_id\":\"u\",\"title\":\"a\xff\"}", "item"},
		{"too many images", `{"id":"n","scene":"note","author_id":"u","images":[` + strings.Repeat(`{"url":"https://x/a"},`, 18) + `{"url":"https://x/a"}]}`, "images"},
		{"image without url", `{"id":"n","scene":"note","author_id":"u","images":[{}]}`, "images[0].url"},
		{"meta too large", `{"id":"n","scene":"note","author_id":"u","meta":{"k":"` + strings.Repeat("m", moderation.MaxMetaBytes) + `"}}`, "meta"},
		{"meta nested at the limit", `{"id":"n","scene":"note","author_id":"u","meta":` + strings.Repeat(`{"a":[`, moderation.MaxMetaDepth/2) + `"x\"]}"` + strings.Repeat(`]}`, moderation.MaxMetaDepth/2) + `}`, ""},
		{"meta nested too deeply", `{"id":"n","scene":"note","author_id":"u","meta":` + strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000) + `}`, "meta"},
		{"10,000 images", `{"id":"n","scene":"note","author_id":"u","images":[` + strings.Repeat(`{"url":"https://x/a"},`, 9999) + `{"url":"https://x/a"}]}`, "images"},
		{"malformed JSON", `{"id":`, "item"},
		{"not an object", `[1,2]`, "item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it, err := moderation.DecodeItem([]byte(tt.json))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("DecodeItem: %v", err)
				}
				if it.Revision < 1 {
					t.Fatalf("revision %d not defaulted", it.Revision)
				}
				return
			}
			var fe *moderation.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Fatalf("DecodeItem error = %v, want a FieldError on %q", err, tt.wantField)
			}
			if !errors.Is(err, moderation.ErrInvalidItem) {
				t.Fatalf("error %v does not wrap ErrInvalidItem", err)
			}
		})
	}
}

func TestKeyAndEventIDs(t *testing.T) {
	t.Parallel()
	k := moderation.Key{Scene: moderation.SceneNote, ID: "n-1", Revision: 2}
	if k.String() != "note:n-1:2" {
		t.Fatalf("Key.String() = %q", k.String())
	}
	if a, b := moderation.CreatedEventID(k), moderation.CreatedEventID(k); a != b {
		t.Fatal("created event id is not deterministic")
	}
	k2 := k
	k2.Revision = 3
	if moderation.CreatedEventID(k) == moderation.CreatedEventID(k2) {
		t.Fatal("different revisions share a created event id")
	}
	if a, b := moderation.NewEventID(), moderation.NewEventID(); a == b {
		t.Fatal("update event ids repeat")
	}
}

func TestDecisionOrder(t *testing.T) {
	t.Parallel()
	if moderation.Max(moderation.Review, moderation.Limit) != moderation.Limit ||
		moderation.Max(moderation.Block, moderation.Pass) != moderation.Block ||
		moderation.Decision("nope").Valid() {
		t.Fatal("decision ordering is wrong")
	}
	for _, l := range moderation.Labels {
		if !l.Valid() {
			t.Fatalf("label %q not valid", l)
		}
	}
	if moderation.Label("violence").Valid() {
		t.Fatal("unknown label accepted")
	}
}

// FuzzDecodeItem: any input either decodes into a valid item or fails with a FieldError;
// it never panics.
func FuzzDecodeItem(f *testing.F) {
	f.Add([]byte(`{"id":"n-1","scene":"note","author_id":"u","body":"hello"}`))
	f.Add([]byte(`{"id":"n-1","scene":"comment","author_id":"u","images":[{"url":"x"}],"meta":{"a":{"b":[1,{"c":null}]}}}`))
	f.Add([]byte("{\"id\":\"n\",\"scene\":\"note\",\"author_id\":\"u\",\"body\":\"\xff\xfe\"}"))
	f.Add([]byte(`[[[[[[[[[[[[]]]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		it, err := moderation.DecodeItem(data)
		if err != nil {
			var fe *moderation.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			return
		}
		if err := it.Validate(); err != nil {
			t.Fatalf("decoded item does not validate: %v", err)
		}
	})
}
