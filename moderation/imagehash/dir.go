package imagehash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// BankFile is the optional bank.json of a bank directory (see LoadDir).
type BankFile struct {
	Kind string `json:"kind"` // deny (default) or allow
	Thresholds
	Authorised []string `json:"authorised,omitempty"`
	// Authors maps an image file name to the author id recorded for it.
	Authors map[string]string `json:"authors,omitempty"`
}

// LoadDir defines and fills banks from a directory, for trustd check --banks DIR:
//
//	DIR/<bank>/bank.json        optional: {"kind": "deny"|"allow", "near": 12, "close": 4,
//	                            "dhash": 14, "authorised": ["u-1"], "authors": {"a.jpg": "u-1"}}
//	DIR/<bank>/<name>.jpg|.jpeg|.png|.gif|.webp   the images; the content id is <name>
//
// Bank names are directory names ([a-z0-9][a-z0-9_-]*); the kind defaults to deny. Other
// files are ignored. An image that cannot be decoded, or is too uniform to match, is an error.
func (b *Banks) LoadDir(ctx context.Context, dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read banks dir: %w", err)
	}
	for _, de := range ents {
		if !de.IsDir() {
			continue
		}
		name := de.Name()
		bdir := filepath.Join(dir, name)
		var bf BankFile
		js, err := os.ReadFile(filepath.Join(bdir, "bank.json"))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("bank %s: %w", name, err)
		default:
			if err := json.Unmarshal(js, &bf); err != nil {
				return fmt.Errorf("bank %s: bank.json: %w", name, err)
			}
		}
		if bf.Kind == "" {
			bf.Kind = KindDeny
		}
		if err := b.Define(ctx, BankDef{Name: name, Kind: bf.Kind, Thresholds: bf.Thresholds, Authorised: bf.Authorised}); err != nil {
			return err
		}
		files, err := os.ReadDir(bdir)
		if err != nil {
			return fmt.Errorf("bank %s: %w", name, err)
		}
		for _, f := range files {
			ext := strings.ToLower(filepath.Ext(f.Name()))
			if f.IsDir() || !slices.Contains([]string{".jpg", ".jpeg", ".png", ".gif", ".webp"}, ext) {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(bdir, f.Name()))
			if err != nil {
				return fmt.Errorf("bank %s: %w", name, err)
			}
			fp, err := FingerprintBytes(raw)
			if err != nil {
				return fmt.Errorf("bank %s: image %s: %w", name, f.Name(), err)
			}
			if fp.LowQuality {
				return fmt.Errorf("bank %s: image %s: %w", name, f.Name(), ErrLowQuality)
			}
			id := strings.TrimSuffix(f.Name(), filepath.Ext(f.Name()))
			if err := b.Add(ctx, name, EntryOf(fp, id, bf.Authors[f.Name()], b.cfg.Now())); err != nil {
				return err
			}
		}
	}
	return nil
}
