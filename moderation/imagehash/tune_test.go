package imagehash

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func TestTuneTmp(t *testing.T) {
	man := os.Getenv("TUNE_MANIFEST")
	if man == "" {
		t.Skip()
	}
	f, _ := os.Open(man)
	defer f.Close()
	type row struct{ File, Original, Transform string }
	var rows []row
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r row
		json.Unmarshal(sc.Bytes(), &r)
		rows = append(rows, r)
	}
	fps := map[string]Fingerprint{}
	for _, r := range rows {
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(man), r.File))
		d, err := DecodeGuarded(b, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := FingerprintImage(d.Image, d.Orientation)
		if err != nil {
			t.Fatal(err)
		}
		fps[r.File] = fp
	}
	var origs []string
	for _, r := range rows {
		if r.Transform == "original" {
			origs = append(origs, r.File)
			fmt.Printf("%s q=%.1f content=%v\n", r.File, fps[r.File].Quality, fps[r.File].HasContent)
		}
	}
	// per pair kind: min distance to own vs others
	kinds := []string{"full", "cropS", "cropQ", "content"}
	dist := func(q, s Fingerprint, kind string) int {
		best := 64
		switch kind {
		case "full":
			for _, h := range q.Dihedral {
				best = min(best, Distance(h, s.PHash))
			}
		case "cropS":
			best = Distance(q.PHash, s.Crop)
		case "cropQ":
			best = Distance(q.Crop, s.PHash)
		case "content":
			if q.HasContent {
				best = Distance(q.Content, s.PHash)
			}
		}
		return best
	}
	for _, kind := range kinds {
		own := map[string][]int{}
		var other []int
		for _, r := range rows {
			if r.Transform == "original" && kind != "full" {
			}
			q := fps[r.File]
			for _, o := range origs {
				d := dist(q, fps[o], kind)
				if o == r.Original {
					if r.Transform != "original" {
						own[r.Transform] = append(own[r.Transform], d)
					}
				} else {
					other = append(other, d)
				}
			}
		}
		sort.Ints(other)
		fmt.Printf("== %s: other min10=%v\n", kind, other[:10])
		var ts []string
		for k := range own {
			ts = append(ts, k)
		}
		sort.Strings(ts)
		for _, k := range ts {
			v := own[k]
			sort.Ints(v)
			fmt.Printf("  %-10s %v\n", k, v)
		}
	}
}

func TestTuneShot(t *testing.T) {
	man := os.Getenv("TUNE_MANIFEST")
	if man == "" {
		t.Skip()
	}
	dir := filepath.Dir(man)
	ms, _ := filepath.Glob(filepath.Join(dir, "variants/*__screenshot.jpg"))

	for _, m := range ms {
		b, _ := os.ReadFile(m)
		d, _ := DecodeGuarded(b, 0, 0)
		g := trim(orient(shrink(d.Image), 1))
		r, ok := contentBox(g)
		o := filepath.Join(dir, "originals", filepath.Base(m)[:len(filepath.Base(m))-len("__screenshot.jpg")]+".jpg")
		bo, _ := os.ReadFile(o)
		do, _ := DecodeGuarded(bo, 0, 0)
		fo, _ := FingerprintImage(do.Image, 1)
		fq, _ := FingerprintImage(d.Image, 1)
		fmt.Println(filepath.Base(m), g.Bounds(), r, ok, Distance(fq.Content, fo.PHash), "orig", do.Image.Bounds(), trim(shrink(do.Image)).Bounds())
	}
}

func TestTuneD(t *testing.T) {
	man := os.Getenv("TUNE_MANIFEST")
	if man == "" {
		t.Skip()
	}
	f, _ := os.Open(man)
	defer f.Close()
	type row struct{ File, Original, Transform string }
	var rows []row
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r row
		json.Unmarshal(sc.Bytes(), &r)
		rows = append(rows, r)
	}
	fps := map[string]Fingerprint{}
	var origs []string
	for _, r := range rows {
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(man), r.File))
		d, _ := DecodeGuarded(b, 0, 0)
		fp, _ := FingerprintImage(d.Image, d.Orientation)
		fps[r.File] = fp
		if r.Transform == "original" {
			origs = append(origs, r.File)
		}
	}
	for _, r := range rows {
		q := fps[r.File]
		for _, o := range origs {
			s := fps[o]
			for k := range 8 {
				p, d := Distance(q.Dihedral[k], s.PHash), Distance(q.DihedralD[k], s.DHash)
				own := o == r.Original && r.Transform != "original"
				if (own && k == 0 && r.Transform != "mirror" && r.Transform != "rotate90") || (own && k > 0) || o != r.Original {
					if p <= 64 {
						fmt.Printf("%v %s p=%d d=%d %s k=%d\n", own, r.Transform, p, d, r.File, k)
					}
				}
			}
		}
	}
}
