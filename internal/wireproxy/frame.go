package wireproxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MongoDB wire protocol framing: every message starts with a 16-byte header whose first field is
// the total length. The proxy needs no more of the protocol than that and the OP_MSG flag bits.
const (
	headerLen     = 16
	maxMessageLen = 48 << 20 // MongoDB's maxMessageSizeBytes

	opMsg          = 2013
	flagMoreToCome = 1 << 1
)

var errFrameTooLarge = errors.New("wire message larger than 48 MiB")

type frame []byte

func readFrame(r io.Reader) (frame, error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(hdr[0:4]))
	if n < headerLen || n > maxMessageLen {
		return nil, fmt.Errorf("%w: length %d", errFrameTooLarge, n)
	}
	buf := make([]byte, n)
	copy(buf, hdr[:])
	if _, err := io.ReadFull(r, buf[headerLen:]); err != nil {
		return nil, err
	}
	return buf, nil
}

func (f frame) opCode() int32 { return int32(binary.LittleEndian.Uint32(f[12:16])) }

// moreToCome reports an OP_MSG that is not answered (for a request) or that is followed by
// another reply (for an exhaust reply).
func (f frame) moreToCome() bool {
	if f.opCode() != opMsg || len(f) < headerLen+4 {
		return false
	}
	return binary.LittleEndian.Uint32(f[headerLen:headerLen+4])&flagMoreToCome != 0
}
