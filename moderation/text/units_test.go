package text

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNormalizeUnitsTo checks that NormalizeUnitsTo gives NormalizeTo's units and readings
// without a key, and that a Text reused across both gets its key back.
func TestNormalizeUnitsTo(t *testing.T) {
	t.Parallel()
	var withKey, without, mixed Text
	for _, s := range []string{"", "fuck this shit", "th1$ $h!t", "傻@#￥%逼 這個", "b.u.l.l.s.h.1.t", "加❤V：abc_123 一三八①③⑧",
		"\xff\xfe ﬁﬀ ㎏"} {
		want := NormalizeTo(&withKey, s)
		got := NormalizeUnitsTo(&without, s)
		for w, g := want, got; w != nil || g != nil; w, g = w.Alt, g.Alt {
			if w == nil || g == nil {
				t.Fatalf("%q: Alt present in one reading only", s)
			}
			if diff := cmp.Diff(w.Units, g.Units); diff != "" {
				t.Errorf("%q: units differ (-NormalizeTo +NormalizeUnitsTo):\n%s", s, diff)
			}
			if g.Key != "" || g.String() != w.String() {
				t.Errorf("%q: got key %q and %q, want no key and %q", s, g.Key, g.String(), w.String())
			}
		}
		NormalizeUnitsTo(&mixed, s)
		if again := NormalizeTo(&mixed, s); again.Key != want.Key {
			t.Errorf("%q: key after reuse %q, want %q", s, again.Key, want.Key)
		}
	}
}
