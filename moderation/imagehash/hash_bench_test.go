package imagehash

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/draw"
)

// photoJPEG returns a JPEG of a testdata photo scaled to w×h (a realistic upload).
func photoJPEG(b *testing.B, w, h int) []byte {
	b.Helper()
	d, err := DecodeGuarded(readTestdata(b, "cv_lake.jpg"), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), d.Image, d.Image.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkDecode and BenchmarkDecodeHash compare decoding alone with decoding plus the
// whole fingerprint (8 dihedral pHashes and dHashes, crop, content block) per upload size.
// The target is decode+hash ≤ 1.15 × decode for 1080×1440.
func BenchmarkDecode(b *testing.B) {
	for _, sz := range [][2]int{{1080, 1440}, {3000, 4000}, {640, 480}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			j := photoJPEG(b, sz[0], sz[1])
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := DecodeGuarded(j, 0, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeHash(b *testing.B) {
	for _, sz := range [][2]int{{1080, 1440}, {3000, 4000}, {640, 480}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			j := photoJPEG(b, sz[0], sz[1])
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := FingerprintBytes(j); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBombReject measures rejecting a file that claims a huge image: the target is
// < 10 ms and < 10 MiB allocated.
func BenchmarkBombReject(b *testing.B) {
	for _, f := range []string{"bomb_30000.png", "bomb_huge.jpg"} {
		b.Run(f, func(b *testing.B) {
			raw := readTestdata(b, f)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := DecodeGuarded(raw, 0, 0); err == nil {
					b.Fatal("bomb accepted")
				}
			}
		})
	}
}

// BenchmarkFingerprint measures hashing alone on a decoded image.
func BenchmarkFingerprint(b *testing.B) {
	for _, sz := range [][2]int{{1080, 1440}, {640, 480}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			d, err := DecodeGuarded(photoJPEG(b, sz[0], sz[1]), 0, 0)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := FingerprintImage(d.Image, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// threadCPU returns the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHashOverheadCPU compares the thread CPU time of decoding a 1080×1440 JPEG with that
// of decoding and fingerprinting it, interleaved, so that load from other processes on a
// shared machine affects both alike. It reports the ratio (target ≤ 1.15).
func BenchmarkHashOverheadCPU(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	j := photoJPEG(b, 1080, 1440)
	var dec, both time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := threadCPU()
		if _, err := DecodeGuarded(j, 0, 0); err != nil {
			b.Fatal(err)
		}
		t2 := threadCPU()
		if _, err := FingerprintBytes(j); err != nil {
			b.Fatal(err)
		}
		t3 := threadCPU()
		dec += t2 - t
		both += t3 - t2
	}
	b.ReportMetric(float64(dec.Nanoseconds())/float64(b.N), "decode-cpu-ns/op")
	b.ReportMetric(float64(both.Nanoseconds())/float64(b.N), "decode+hash-cpu-ns/op")
	b.ReportMetric(float64(both)/float64(dec), "ratio")
}
