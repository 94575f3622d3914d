package trust

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestAppendHex16MatchesFmt(t *testing.T) {
	t.Parallel()
	for _, v := range []uint64{0, 1, 0xf, 0xdeadbeef, 1 << 63, ^uint64(0), 0x0123456789abcdef} {
		if got, want := string(appendHex16([]byte("x"), v)), "x"+fmt.Sprintf("%016x", v); got != want {
			t.Fatalf("appendHex16(%#x) = %q, want %q", v, got, want)
		}
	}
}

// fingerprintRef is FingerprintOf as first written (hash/fnv, a slice of rune starts): the
// optimised one must return the same fingerprints, which are stored in Redis.
func fingerprintRef(canonical string) Fingerprint {
	var mins [Bands * Rows]uint64
	for i := range mins {
		mins[i] = ^uint64(0)
	}
	add := func(sh string) {
		h := fnv.New64a()
		h.Write([]byte(sh))
		x := h.Sum64()
		for i := range mins {
			if v := mix(x ^ seeds[i]); v < mins[i] {
				mins[i] = v
			}
		}
	}
	starts := make([]int, 0, len(canonical))
	for i := range canonical {
		starts = append(starts, i)
	}
	if len(starts) <= Shingle {
		add(canonical)
	} else {
		for i := 0; i+Shingle <= len(starts); i++ {
			end := len(canonical)
			if i+Shingle < len(starts) {
				end = starts[i+Shingle]
			}
			add(canonical[starts[i]:end])
		}
	}
	var f Fingerprint
	for b := range f {
		x := uint64(0x9e3779b97f4a7c15) * uint64(b+1)
		for r := range Rows {
			x = mix(x ^ mins[b*Rows+r])
		}
		f[b] = x
	}
	return f
}

func TestFingerprintOfMatchesReference(t *testing.T) {
	t.Parallel()
	texts := []string{"", "a", "ab", "abc", "abcd", "好看", "好看吗", "好看吗？", "今天和闺蜜去了新开的咖啡店环境很好推荐",
		"tried the new ramen place and it was worth it", "a\xffb\xfec", "😂😂😂😂", strings.Repeat("加我薇信", 300)}
	for _, s := range texts {
		for i := 0; i <= len(s); i++ { // every prefix, valid UTF-8 or not
			if got, want := FingerprintOf(s[:i]), fingerprintRef(s[:i]); got != want {
				t.Fatalf("FingerprintOf(%q) = %x, reference %x", s[:i], got, want)
			}
		}
	}
}

func FuzzFingerprintOf(f *testing.F) {
	f.Add("今天和闺蜜去了新开的咖啡店")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := FingerprintOf(s), fingerprintRef(s); got != want {
			t.Fatalf("FingerprintOf(%q) = %x, reference %x", s, got, want)
		}
	})
}

func TestAgreeMatchesByteLoop(t *testing.T) {
	t.Parallel()
	byteLoop := func(a, b uint64) int {
		n := 0
		x := a ^ b
		for range Bands {
			if x&0xff == 0 {
				n++
			}
			x >>= 8
		}
		return n
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		a, b := r.Uint64(), r.Uint64()
		// Make bytes agree, differ by one bit, or differ in the high bit only.
		for k := range 8 {
			switch (i >> (2 * k)) & 3 {
			case 0:
				b = b&^(0xff<<(8*k)) | a&(0xff<<(8*k))
			case 1:
				b = b&^(0xff<<(8*k)) | (a^0x80<<(8*k))&(0xff<<(8*k))
			case 2:
				b = b&^(0xff<<(8*k)) | (a^1<<(8*k))&(0xff<<(8*k))
			}
		}
		if got, want := Agree(a, b), byteLoop(a, b); got != want {
			t.Fatalf("Agree(%#x, %#x) = %d, want %d", a, b, got, want)
		}
	}
}
