package httpserver

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestRawIOIsUsedForSockets(t *testing.T) {
	t.Parallel()
	server, _ := tcpPair(t)
	_, raw := newRawIO(server).(*rawIO)
	if want := runtime.GOOS == "linux"; raw != want {
		t.Fatalf("raw I/O for a TCP socket on %s: %v, want %v", runtime.GOOS, raw, want)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if rw := newRawIO(a); rw != io.ReadWriter(a) {
		t.Fatalf("a pipe got %T, want the conn itself", rw)
	}
}

func TestRawIO(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, rw io.ReadWriter, server, client net.Conn)
	}{
		{"round trip of 8 MiB through a slow reader", func(t *testing.T, rw io.ReadWriter, server, client net.Conn) {
			want := bytes.Repeat([]byte("0123456789abcdef"), 512<<10)
			done := make(chan error, 1)
			go func() {
				n, err := rw.Write(want) // more than the socket buffers: waits for the reader
				if err == nil && n != len(want) {
					err = errors.New("short write")
				}
				done <- err
			}()
			time.Sleep(20 * time.Millisecond) // the writer fills the buffers and waits
			got, err := io.ReadAll(io.LimitReader(client, int64(len(want))))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("client read %d bytes (%v), want the %d written", len(got), err, len(want))
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			// And back, in reads smaller than what is there.
			go func() { _, _ = client.Write(want[:100_000]) }()
			got, err = io.ReadAll(io.LimitReader(readerOnly{rw}, 100_000))
			if err != nil || !bytes.Equal(got, want[:100_000]) {
				t.Fatalf("server read %d bytes (%v)", len(got), err)
			}
		}},
		{"EOF once the peer closes", func(t *testing.T, rw io.ReadWriter, server, client net.Conn) {
			_, _ = client.Write([]byte("last"))
			client.Close()
			got, err := io.ReadAll(readerOnly{rw})
			if err != nil || string(got) != "last" {
				t.Fatalf("read %q, %v", got, err)
			}
			if n, err := rw.Read(make([]byte, 8)); n != 0 || err != io.EOF {
				t.Fatalf("read after EOF: %d, %v; want 0, io.EOF", n, err)
			}
		}},
		{"read deadline", func(t *testing.T, rw io.ReadWriter, server, client net.Conn) {
			_ = server.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
			n, err := rw.Read(make([]byte, 8))
			var ne net.Error
			if n != 0 || !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read past the deadline: %d, %v; want a timeout", n, err)
			}
			_ = server.SetReadDeadline(time.Time{})
			_, _ = client.Write([]byte("x"))
			if n, err := rw.Read(make([]byte, 8)); n != 1 || err != nil {
				t.Fatalf("read after clearing the deadline: %d, %v", n, err)
			}
		}},
		{"write deadline with a peer that does not read", func(t *testing.T, rw io.ReadWriter, server, client net.Conn) {
			big := make([]byte, 64<<20)
			_ = server.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			n, err := rw.Write(big)
			if !errors.Is(err, os.ErrDeadlineExceeded) || n <= 0 || n >= len(big) {
				t.Fatalf("write past the deadline: %d, %v; want part written and a timeout", n, err)
			}
			op, ok := err.(*net.OpError)
			if !ok || op.Op != "write" || op.Addr.String() != client.LocalAddr().String() || op.Err != os.ErrDeadlineExceeded {
				t.Fatalf("error %#v: want a net.OpError naming the write and the peer", err)
			}
		}},
		{"closed connection", func(t *testing.T, rw io.ReadWriter, server, client net.Conn) {
			server.Close()
			if _, err := rw.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("read after close: %v, want net.ErrClosed", err)
			}
			if _, err := rw.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("write after close: %v, want net.ErrClosed", err)
			}
		}},
		{"write to a reset connection", func(t *testing.T, rw io.ReadWriter, server, client net.Conn) {
			_ = client.(*net.TCPConn).SetLinger(0)
			client.Close() // sends a reset
			var err error
			for i := 0; i < 100 && err == nil; i++ {
				_, err = rw.Write(make([]byte, 64<<10))
				time.Sleep(time.Millisecond)
			}
			var se *os.SyscallError
			if !errors.As(err, &se) || se.Syscall != "write" {
				t.Fatalf("write to a reset peer: %v, want a write system call error", err)
			}
		}},
		{"empty buffers", func(t *testing.T, rw io.ReadWriter, server, client net.Conn) {
			if n, err := rw.Read(nil); n != 0 || err != nil {
				t.Fatalf("empty read: %d, %v", n, err)
			}
			if n, err := rw.Write(nil); n != 0 || err != nil {
				t.Fatalf("empty write: %d, %v", n, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			server, client := tcpPair(t)
			tt.run(t, newRawIO(server), server, client)
		})
	}
}

// readerOnly hides all but Read, so that io.ReadAll reads through it.
type readerOnly struct{ r io.Reader }

func (r readerOnly) Read(p []byte) (int, error) { return r.r.Read(p) }
