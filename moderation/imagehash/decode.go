package imagehash

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"

	"golang.org/x/image/webp"
)

// Errors of the decode guard. They are permanent: retrying the same bytes gives the same error.
var (
	// ErrNotImage means the bytes are not one of the supported formats (JPEG, PNG, GIF, WebP).
	ErrNotImage = errors.New("imagehash: not a supported image")
	// ErrTooManyPixels means the header declares more pixels than Config.MaxPixels.
	ErrTooManyPixels = errors.New("imagehash: image has too many pixels")
	// ErrTooLarge means the encoded image is larger than Config.MaxBytes.
	ErrTooLarge = errors.New("imagehash: image too large")
	// ErrDecode means the header was acceptable but the image data could not be decoded.
	ErrDecode = errors.New("imagehash: image decode error")
)

// Default limits of the decode guard.
const (
	DefaultMaxPixels = 40_000_000
	DefaultMaxBytes  = 20 << 20
)

// Format names returned by sniff.
const (
	formatJPEG = "jpeg"
	formatPNG  = "png"
	formatGIF  = "gif"
	formatWebP = "webp"
)

// sniff returns the image format of b from its magic bytes, never from headers or names.
func sniff(b []byte) string {
	switch ct := http.DetectContentType(b); ct {
	case "image/jpeg":
		return formatJPEG
	case "image/png":
		return formatPNG
	case "image/gif":
		return formatGIF
	case "image/webp":
		return formatWebP
	}
	return ""
}

// Decoded is an image that passed the guard, with its EXIF orientation (1–8, 1 when absent).
type Decoded struct {
	Image       image.Image
	Format      string
	Orientation int
}

// DecodeGuarded decodes b after checking its format, its size and the dimensions declared in
// its header, so a small file claiming a huge image is rejected before any pixel buffer is
// allocated. maxPixels and maxBytes of zero mean the defaults. It never panics: a decoder panic
// becomes ErrDecode. Errors wrap one of ErrNotImage, ErrTooLarge, ErrTooManyPixels, ErrDecode.
func DecodeGuarded(b []byte, maxPixels, maxBytes int64) (d Decoded, err error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if int64(len(b)) > maxBytes {
		return d, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), maxBytes)
	}
	format := sniff(b)
	if format == "" {
		return d, ErrNotImage
	}
	defer func() {
		if r := recover(); r != nil {
			d, err = Decoded{}, fmt.Errorf("%w: %s: decoder panic", ErrDecode, format)
		}
	}()
	var cfg image.Config
	switch format {
	case formatJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
	case formatPNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
	case formatGIF:
		cfg, err = gif.DecodeConfig(bytes.NewReader(b))
	case formatWebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(b))
	}
	if err != nil {
		return d, fmt.Errorf("%w: %s header: %v", ErrDecode, format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return d, fmt.Errorf("%w: %s: empty image %dx%d", ErrDecode, format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return d, fmt.Errorf("%w: %dx%d, limit %d pixels", ErrTooManyPixels, cfg.Width, cfg.Height, maxPixels)
	}
	var img image.Image
	switch format {
	case formatJPEG:
		img, err = jpeg.Decode(bytes.NewReader(b))
	case formatPNG:
		img, err = png.Decode(bytes.NewReader(b))
	case formatGIF:
		img, err = gif.Decode(bytes.NewReader(b)) // the first frame
	case formatWebP:
		img, err = webp.Decode(bytes.NewReader(b))
	}
	if err != nil {
		return d, fmt.Errorf("%w: %s: %v", ErrDecode, format, err)
	}
	if r := img.Bounds(); r.Dx() != cfg.Width || r.Dy() != cfg.Height {
		return d, fmt.Errorf("%w: %s: size differs from header", ErrDecode, format)
	}
	o := 1
	if format == formatJPEG {
		o = jpegOrientation(b)
	}
	return Decoded{Image: img, Format: format, Orientation: o}, nil
}

// jpegOrientation returns the EXIF orientation tag (1–8) of a JPEG, or 1 when there is none or
// it cannot be read. It only walks the segment headers before the first scan.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xFF {
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan / end: no more metadata
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 from the first IFD of a TIFF structure.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			v := int(bo.Uint16(t[e+8:]))
			if v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
