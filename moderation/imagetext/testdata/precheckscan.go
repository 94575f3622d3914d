//go:build ignore

// precheckscan runs the OCR pre-check (imagetext.CheckText) on the images of an evaluation
// manifest (lines of JSON with a "file" relative to the manifest and a "transform") after the
// decode guard, and prints for each image whether OCR would be skipped by the edge stage
// alone (no edge line strip) and by the full pre-check (no strip worth reading), then the skip
// rates by transform and the pre-check's CPU time. On photos without text every image not
// skipped costs an OCR run.
//
//	go run ./moderation/imagetext/testdata/precheckscan.go -manifest ../shared/eval/images/manifest.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/trustd/trustd/moderation/imagehash"
	"github.com/trustd/trustd/moderation/imagetext"
)

// tally counts images and their skips for one transform.
type tally struct{ images, edgeSkips, skips int }

func main() {
	manifest := flag.String("manifest", "", "manifest.jsonl of an image set")
	flag.Parse()
	f, err := os.Open(*manifest)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	byTransform := map[string]*tally{}
	var cpu time.Duration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct{ File, Transform string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.File == "" {
			log.Fatalf("bad manifest line %q: %v", sc.Text(), err)
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(*manifest), line.File))
		if err != nil {
			log.Fatal(err)
		}
		d, err := imagehash.DecodeGuarded(b, 0, 0)
		if err != nil {
			fmt.Printf("%s: not decoded: %v\n", line.File, err)
			continue
		}
		c0 := cpuTime()
		p := imagetext.CheckText(d.Image)
		cpu += cpuTime() - c0
		t := byTransform[line.Transform]
		if t == nil {
			t = &tally{}
			byTransform[line.Transform] = t
		}
		t.images++
		if p.EdgeLines == 0 {
			t.edgeSkips++
		}
		if !p.Text() {
			t.skips++
		}
		fmt.Printf("%s: %dx%d, edge line strips %d, worth reading %d, skipped %v\n",
			line.File, d.Image.Bounds().Dx(), d.Image.Bounds().Dy(), p.EdgeLines, len(p.Lines), !p.Text())
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	var all tally
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range byTransform {
			if !yield(k) {
				return
			}
		}
	}) {
		t := byTransform[name]
		fmt.Printf("%-12s skipped: edges alone %d/%d, full pre-check %d/%d\n", name, t.edgeSkips, t.images, t.skips, t.images)
		all.images, all.edgeSkips, all.skips = all.images+t.images, all.edgeSkips+t.edgeSkips, all.skips+t.skips
	}
	fmt.Printf("all          skipped: edges alone %d/%d, full pre-check %d/%d; pre-check CPU %v per image\n",
		all.edgeSkips, all.images, all.skips, all.images, cpu/time.Duration(max(all.images, 1)))
}

// cpuTime is the CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
