package moderation

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// itemJSONSeeds are inputs for the differential tests: the forms the client sends and the
// edge cases where a fast path could part from encoding/json.
var itemJSONSeeds = []string{
	`{"id":"n-1","scene":"note","author_id":"u","body":"hello"}`,
	`{"id":"c-1","scene":"comment","revision":3,"author_id":"u-9","parent_id":"n-0","submitted_at":"2026-11-21T10:00:00.123456789Z","title":"t","body":"今天去了新开的咖啡店 😂","images":[{"url":"https://x/a.jpg"},{"url":"https://x/b.jpg"}],"meta":{"a":[1,2.5e3,"x\"y",null,true]}}`,
	` { "id" : "n" , "scene" : "note" , "author_id" : "u" , "images" : [ ] , "meta" : [ 1 , 2 ] } `,
	"{\"id\":\"n\",\"scene\":\"note\",\"author_id\":\"u\",\"body\":\"a\\nb\\t\\\"c\\\\ \\/ \\b\\f\\r \\u003chtml\\u003e \\u00e9 \\ud83d\\ude00 \\ud83d \\ude00 \\ud83dx \\u2028\"}",
	`{"id":"n","scene":"note","author_id":"u","revision":-0}`,
	`{"id":"n","scene":"note","author_id":"u","revision":01}`,
	`{"id":"n","scene":"note","author_id":"u","revision":1.0}`,
	`{"id":"n","scene":"note","author_id":"u","revision":1e2}`,
	`{"id":"n","scene":"note","author_id":"u","revision":9223372036854775807}`,
	`{"id":"n","scene":"note","author_id":"u","revision":99999999999999999999}`,
	`{"id":"n","scene":"note","author_id":"u","revision":"2"}`,
	`{"id":"n","scene":"note","author_id":"u","revision":null}`,
	`{"id":"n","scene":"note","author_id":"u","body":null}`,
	`{"id":"n","id":"m","scene":"note","author_id":"u"}`,
	`{"ID":"n","scene":"note","author_id":"u"}`,
	`{"id":"n","scene":"note","author_id":"u","future":{"x":1}}`,
	`{"id":"n","scene":"blog","author_id":"u"}`,
	`{"id":"n","scene":"note","author_id":"u","submitted_at":"2026-11-21"}`,
	`{"id":"n","scene":"note","author_id":"u","submitted_at":null}`,
	`{"id":"n","scene":"note","author_id":"u","submitted_at":"2026-11-21T10:00:00+08:00"}`,
	`{"id":"n","scene":"note","author_id":"u","images":[{}]}`,
	`{"id":"n","scene":"note","author_id":"u","images":[{"url":"a","url":"b"}]}`,
	`{"id":"n","scene":"note","author_id":"u","images":[{"url":"a"},]}`,
	`{"id":"n","scene":"note","author_id":"u","images":null}`,
	`{"id":"n","scene":"note","author_id":"u","meta":null}`,
	`{"id":"n","scene":"note","author_id":"u","meta":"s"}`,
	`{"id":"n","scene":"note","author_id":"u","meta":12}`,
	`{"id":"n","scene":"note","author_id":"u","meta":12 }`,
	`{"id":"n","scene":"note","author_id":"u","meta":{"a":"}"}}`,
	`{"id":"n","scene":"note","author_id":"u","meta":{"a":}}`,
	`{"id":"n","scene":"note","author_id":"u","meta":[}`,
	`{"id":"n","scene":"note","author_id":"u","meta":tru}`,
	`{"id":"n","scene":"note","author_id":"u","meta":{"a" : [ 1 ,2 ] }}`,
	`{"id":"n","scene":"note","author_id":"u"} x`,
	`{"id":"n","scene":"note","author_id":"u",}`,
	`{"id":"n","scene":"note","author_id":"u"`,
	`{}`,
	`null`,
	`[]`,
	"{\"id\":\"n\",\"scene\":\"note\",\"author_id\":\"u\",\"body\":\"a\tb\"}",
	`{"id":"n","scene":"note","author_id":"u","body":"\x"}`,
	`{"id":"n","scene":"note","author_id":"u","body":"\u12"}`,
	`{"id":"n","scene":"note","author_id":"u","body":"\'"}`,
}

// checkDecodeFast fails t when decodeItemFast accepts data but encoding/json decodes it
// differently or refuses it.
func checkDecodeFast(t *testing.T, data []byte) {
	t.Helper()
	if !utf8.Valid(data) {
		return // DecodeItem rejects it before either decoder runs
	}
	fast, ok := decodeItemFast(data)
	var want Item
	err := json.Unmarshal(data, &want)
	if !ok {
		return
	}
	if err != nil {
		t.Fatalf("fast path accepted %q, encoding/json fails: %v", data, err)
	}
	if !reflect.DeepEqual(*fast, want) {
		t.Fatalf("fast path decoded %q as\n%#v\nencoding/json as\n%#v", data, *fast, want)
	}
}

func TestDecodeItemFastMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	accepted := 0
	for _, s := range itemJSONSeeds {
		checkDecodeFast(t, []byte(s))
		if _, ok := decodeItemFast([]byte(s)); ok {
			accepted++
		}
	}
	// The seeds include the common forms: the fast path must take them, or it saves nothing.
	for _, s := range itemJSONSeeds[:5] {
		if _, ok := decodeItemFast([]byte(s)); !ok {
			t.Errorf("fast path refused %s", s)
		}
	}
	t.Logf("fast path took %d of %d seeds", accepted, len(itemJSONSeeds))
}

// TestDecodeItemErrorsUnchanged: DecodeItem's errors are those of the encoding/json path.
func TestDecodeItemErrorsUnchanged(t *testing.T) {
	t.Parallel()
	for _, s := range itemJSONSeeds {
		got, gotErr := DecodeItem([]byte(s))
		want, wantErr := decodeItemSlow([]byte(s))
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("DecodeItem(%s) error %v, encoding/json path %v", s, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeItem(%s) = %#v, encoding/json path %#v", s, got, want)
		}
	}
}

// decodeItemSlow is DecodeItem without the fast path.
func decodeItemSlow(data []byte) (*Item, error) {
	if !utf8.Valid(data) {
		return DecodeItem(data) // the same UTF-8 error either way
	}
	var it Item
	if err := json.Unmarshal(data, &it); err != nil {
		return DecodeItem(data) // the fast path refused it too (checked by checkDecodeFast)
	}
	if err := it.Normalize(); err != nil {
		return nil, err
	}
	return &it, nil
}

func FuzzDecodeItemFast(f *testing.F) {
	for _, s := range itemJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeFast(t, data)
	})
}

// itemSamples are items for the encoder tests.
func itemSamples() []*Item {
	ts := time.Date(2026, 11, 21, 10, 0, 0, 123456789, time.UTC)
	return []*Item{
		{ID: "n-1", Scene: SceneNote, AuthorID: "u"},
		{ID: "c-1", Scene: SceneComment, Revision: 3, AuthorID: "u-9", ParentID: "n-0", SubmittedAt: ts,
			Title: "t <b>&amp;</b>", Body: "今天\n去了\t\"咖啡店\" \\ 😂 \u2028\u2029 \x01\x1f\x7f",
			Images: []Image{{URL: "https://x/a.jpg?a=1&b=<2>"}, {URL: ""}}, Meta: json.RawMessage(` {"a" : [1, "<&>", "\u2028"]} `)},
		{ID: "x", Scene: "blog", AuthorID: "u", Body: "bad \xff utf8 \xe2\x80", Images: []Image{}},
		{ID: "x", Scene: SceneNote, AuthorID: "u", SubmittedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 8*3600))},
		{ID: "x", Scene: SceneNote, AuthorID: "u", SubmittedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "x", Scene: SceneNote, AuthorID: "u", Meta: json.RawMessage(`{"a":`)},
		{ID: "x", Scene: SceneNote, AuthorID: "u", Meta: json.RawMessage(`null`)},
	}
}

func checkAppendJSON(t *testing.T, it *Item) {
	t.Helper()
	want, wantErr := json.Marshal(it)
	got, gotErr := it.AppendJSON(nil)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("AppendJSON(%#v) error %v, json.Marshal %v", it, gotErr, wantErr)
	}
	if string(got) != string(want) {
		t.Fatalf("AppendJSON(%#v) =\n%s\njson.Marshal =\n%s", it, got, want)
	}
}

func TestItemAppendJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	for _, it := range itemSamples() {
		checkAppendJSON(t, it)
	}
	// Appending keeps what is in the buffer.
	b, err := itemSamples()[0].AppendJSON([]byte("x"))
	if err != nil || !strings.HasPrefix(string(b), `x{"id":"n-1"`) {
		t.Fatalf("AppendJSON onto a buffer = %q, %v", b, err)
	}
}

func FuzzItemAppendJSON(f *testing.F) {
	f.Add("n-1", "note", int64(1), "u", "", int64(0), "title", "body", "https://x/a", `{"a":1}`)
	f.Add("c", "comment", int64(-5), "\xff", "p", int64(1e18), "<&>\u2028", "\n\t\x00\"\\", "", "")
	f.Fuzz(func(t *testing.T, id, scene string, rev int64, author, parent string, nanos int64, title, body, url, meta string) {
		it := &Item{ID: id, Scene: Scene(scene), Revision: rev, AuthorID: author, ParentID: parent,
			Title: title, Body: body, Meta: json.RawMessage(meta)}
		if nanos != 0 {
			it.SubmittedAt = time.Unix(0, nanos).UTC()
		}
		if url != "" {
			it.Images = []Image{{URL: url}, {URL: body}}
		}
		checkAppendJSON(t, it)
		// What the client encodes, the worker's fast path decodes as encoding/json does.
		if b, err := it.AppendJSON(nil); err == nil {
			checkDecodeFast(t, b)
		}
	})
}
