package moderation

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// randomVerdict makes a verdict from seed with every field exercised: nil and empty slices,
// strings that need escaping, invalid UTF-8, times in and out of range, good and bad meta.
func randomVerdict(seed uint64) *Verdict {
	r := rand.New(rand.NewPCG(seed, 7))
	strs := []string{"", "a", "note", "今天 😂", "<b>&amp;</b>", "\"q\" \\ /", "\n\t\r\b\f\x00\x1f\x7f",
		"\u2028\u2029", "bad \xff\xe2\x80", "image[0].code[1]", "加我薇信 shop_1"}
	str := func() string { return strs[r.IntN(len(strs))] }
	n := func() int { return r.IntN(3) }
	hits := func() []Hit {
		if r.IntN(4) == 0 {
			return nil
		}
		h := make([]Hit, n())
		for i := range h {
			h[i] = Hit{str(), r.IntN(1000) - 10, r.IntN(1000), str(), str(), str(), str()}
		}
		return h
	}
	contacts := func() []Contact {
		if r.IntN(4) == 0 {
			return nil
		}
		c := make([]Contact, n())
		for i := range c {
			c[i] = Contact{str(), r.IntN(1000), r.IntN(1000), str(), str(), str()}
		}
		return c
	}
	v := &Verdict{EventID: str(), EventType: str(), ContentID: str(), Revision: r.Int64() - r.Int64(),
		Scene: Scene(str()), AuthorID: str(), Decision: Decision(str()), Hits: hits(), Contacts: contacts(),
		Versions: Versions{str(), str()}, DecidedBy: str(),
		DecidedAt: time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9)).In(time.FixedZone("", (r.IntN(48)-24)*1800))}
	if r.IntN(20) == 0 {
		v.DecidedAt = time.Time{}
	}
	if r.IntN(4) > 0 {
		for range n() + 1 {
			v.Labels = append(v.Labels, Label(str()))
		}
	}
	if r.IntN(3) == 0 {
		v.Reasons = []string{}
		for range n() {
			v.Reasons = append(v.Reasons, str())
		}
	}
	if r.IntN(4) > 0 {
		v.Images = []ImageResult{}
		for i := range n() {
			ir := ImageResult{Index: i, Status: str(), Error: str(), PHash: str(), Text: str(), Hits: hits(), Contacts: contacts()}
			for range n() {
				ir.Matches = append(ir.Matches, ImageMatch{str(), str(), str(), r.IntN(64), str(), str()})
			}
			for range n() {
				ir.Codes = append(ir.Codes, ImageCode{str(), str(), str()})
			}
			v.Images = append(v.Images, ir)
		}
	}
	metas := []string{"", `{"a":[1,2]}`, ` { "a" : "<&>" } `, `null`, `{"a":`, "\"\u2028\""}
	v.Meta = json.RawMessage(metas[r.IntN(len(metas))])
	return v
}

func checkVerdictAppendJSON(t *testing.T, v *Verdict) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, gotErr := v.AppendJSON(nil)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("AppendJSON(%#v) error %v, json.Marshal %v", v, gotErr, wantErr)
	}
	if string(got) != string(want) {
		t.Fatalf("AppendJSON(%#v) =\n%s\njson.Marshal =\n%s", v, got, want)
	}
}

func TestVerdictAppendJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20000) {
		checkVerdictAppendJSON(t, randomVerdict(seed))
	}
	v := &Verdict{} // every slice nil, zero time
	checkVerdictAppendJSON(t, v)
	v.normalizeSlices()
	checkVerdictAppendJSON(t, v)
}

func FuzzVerdictAppendJSON(f *testing.F) {
	f.Add(uint64(1), "a", "b")
	f.Fuzz(func(t *testing.T, seed uint64, s1, s2 string) {
		v := randomVerdict(seed)
		v.AuthorID, v.Versions.Rules = s1, s2
		if len(v.Hits) > 0 {
			v.Hits[0].Text = s1 + s2
		}
		checkVerdictAppendJSON(t, v)
	})
}

// TestDirectJSONKnowsEveryField: the direct JSON code (AppendJSON, decodeItemFast) names each
// field by hand, so a field added to one of these types would be dropped without a word; this
// list is what that code handles. Adding a field: teach the direct code, then extend the list.
func TestDirectJSONKnowsEveryField(t *testing.T) {
	t.Parallel()
	want := map[reflect.Type][]string{
		reflect.TypeFor[Item]():        {"id", "scene", "revision,omitempty", "author_id", "parent_id,omitempty", "submitted_at,omitzero", "title,omitempty", "body,omitempty", "images,omitempty", "meta,omitempty"},
		reflect.TypeFor[Image]():       {"url"},
		reflect.TypeFor[Verdict]():     {"event_id", "event_type", "content_id", "revision", "scene", "author_id", "decision", "labels", "hits", "contacts", "images", "reasons,omitempty", "versions", "decided_by", "decided_at", "meta,omitempty"},
		reflect.TypeFor[Versions]():    {"rules", "build"},
		reflect.TypeFor[Hit]():         {"field", "start", "end", "text", "term", "category", "dictionary"},
		reflect.TypeFor[Contact]():     {"field", "start", "end", "text", "type", "value"},
		reflect.TypeFor[ImageResult](): {"index", "status", "error,omitempty", "phash,omitempty", "matches,omitempty", "codes,omitempty", "text,omitempty", "hits,omitempty", "contacts,omitempty"},
		reflect.TypeFor[ImageMatch]():  {"bank", "content_id,omitempty", "author_id,omitempty", "distance", "variant,omitempty", "kind,omitempty"},
		reflect.TypeFor[ImageCode]():   {"format", "kind", "payload"},
	}
	for ty, tags := range want {
		var got []string
		for i := range ty.NumField() {
			got = append(got, ty.Field(i).Tag.Get("json"))
		}
		if !slices.Equal(got, tags) {
			t.Errorf("%s's JSON fields are %q; the direct JSON code handles %q", ty.Name(), got, tags)
		}
	}
}
