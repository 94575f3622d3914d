package imagehash

import (
	"image"
	"log/slog"
	"slices"
	"time"

	"github.com/trustd/trustd/moderation"
)

// CodeReader reads the machine-readable codes (QR codes) of a decoded image: it returns them,
// classified, with the contacts they are by their kind, whose fields are
// moderation.ImageCodeField(i, k) for image i of the item. imagetext.QRReader implements it.
// Implementations must be safe for concurrent use and must not panic on any image.
type CodeReader interface {
	ReadCodes(i int, img image.Image) ([]moderation.ImageCode, []moderation.Contact, error)
}

// CodeReaderFunc adapts a function to CodeReader.
type CodeReaderFunc func(i int, img image.Image) ([]moderation.ImageCode, []moderation.Contact, error)

// ReadCodes calls f.
func (f CodeReaderFunc) ReadCodes(i int, img image.Image) ([]moderation.ImageCode, []moderation.Contact, error) {
	return f(i, img)
}

// stageCodes is the stage label of reading codes in trustd_image_stage_duration_seconds.
const stageCodes = "qr"

// readCodes reads the codes of image i, decoded as d, when a reader is configured. The EXIF
// orientation does not matter: a QR reader finds codes in any rotation, mirrored ones too. A
// reader error (a recovered decoder panic) is logged; what was read before it is kept.
func (c *Checker) readCodes(i int, d Decoded) ([]moderation.ImageCode, []moderation.Contact) {
	if c.cfg.Codes == nil {
		return nil, nil
	}
	t := time.Now()
	codes, contacts, err := c.cfg.Codes.ReadCodes(i, d.Image)
	c.stages.WithLabelValues(stageCodes).Observe(time.Since(t).Seconds())
	if err != nil {
		c.log.Warn("code_read_error", slog.Int("image", i), slog.String("format", d.Format), slog.Any("error", err))
	}
	for _, cd := range codes {
		if slices.Contains(moderation.CodeKinds, cd.Kind) { // a closed label set
			c.codes.WithLabelValues(cd.Kind).Inc()
		}
	}
	return codes, contacts
}
