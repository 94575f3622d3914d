package ocrfixture

import (
	"encoding/binary"
	"errors"
)

// alignedFont extracts font i of a TrueType collection as a standalone font whose tables
// start on four-byte boundaries. WenQuanYi Micro Hei's collection has unaligned table
// offsets, which golang.org/x/image/font/sfnt rightly refuses ("all tables must begin on
// four byte boundaries"); the table bytes themselves are fine.
func alignedFont(ttc []byte, i int) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 12 || string(ttc[:4]) != "ttcf" {
		return nil, errors.New("ocrfixture: not a font collection")
	}
	n := int(be.Uint32(ttc[8:12]))
	if i >= n || len(ttc) < 12+4*n {
		return nil, errors.New("ocrfixture: font index out of range")
	}
	off := int(be.Uint32(ttc[12+4*i:]))
	if len(ttc) < off+12 {
		return nil, errors.New("ocrfixture: truncated collection")
	}
	numTables := int(be.Uint16(ttc[off+4:]))
	dir := ttc[off : off+12+16*numTables]
	out := make([]byte, len(dir), len(ttc)/2)
	copy(out, dir)
	for t := range numTables {
		rec := out[12+16*t:]
		o, l := int(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
		if o+l > len(ttc) {
			return nil, errors.New("ocrfixture: table outside the collection")
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		be.PutUint32(rec[8:], uint32(len(out)))
		out = append(out, ttc[o:o+l]...)
	}
	return out, nil
}
