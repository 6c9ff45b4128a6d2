//go:build !linux

package httpserver

import (
	"io"
	"net"
)

// newRawIO returns c: raw socket I/O is used on Linux only.
func newRawIO(c net.Conn) io.ReadWriter { return c }
