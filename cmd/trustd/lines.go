package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// errLineTooLong is reported for an input line over maxLine bytes; reading goes on after it.
var errLineTooLong = fmt.Errorf("line longer than %d bytes", maxLine)

// lineReader reads JSON lines. Unlike bufio.Scanner it survives an over-long line: the line is
// skipped and reported, and the next line is read normally.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	n    int // 1-based number of the last line read
	err  error
	long bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next reads the next line. It returns false at the end of input or on a read error (Err).
// When the line was too long, Line returns errLineTooLong.
func (l *lineReader) next() bool {
	l.buf, l.long = l.buf[:0], false
	for {
		chunk, err := l.r.ReadSlice('\n')
		if !l.long {
			if len(l.buf)+len(chunk) > maxLine+1 {
				l.long, l.buf = true, l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			l.n++
			return true
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(l.buf) == 0 && !l.long {
				return false
			}
			l.n++
			return true
		default:
			l.err = err
			return false
		}
	}
}

// line returns the current line without its line ending, or errLineTooLong.
func (l *lineReader) line() ([]byte, error) {
	if l.long {
		return nil, errLineTooLong
	}
	b := l.buf
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b, nil
}

// Err returns the read error that ended the input, if any.
func (l *lineReader) Err() error { return l.err }
