package eventmatch

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
)

// ipAddr is a parsed address: 4 or 16 bytes.
type ipAddr struct {
	b [16]byte
	n int
}

// parseIPAddr parses an IPv4 or IPv6 literal (no zone) without allocating.
func parseIPAddr(s string) (ipAddr, bool) {
	var ip ipAddr
	if !looksLikeIP(stringBytes(s)) {
		return ip, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return ip, false
	}
	if a.Is4() {
		b := a.As4()
		ip.n = copy(ip.b[:], b[:])
	} else {
		ip.b, ip.n = a.As16(), 16
	}
	return ip, true
}

// parseIP parses an IPv4 or IPv6 literal as event-ruler accepts them and
// returns its 4 or 16 bytes.
func parseIP(s string) ([]byte, bool) {
	a, ok := parseIPAddr(s)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), a.b[:a.n]...), true
}

// looksLikeIP is a cheap filter before parseIP for event values.
func looksLikeIP(b []byte) bool {
	if len(b) < 2 || len(b) > 45 {
		return false
	}
	c := b[0]
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':'
}

// ipRange is an inclusive range of addresses of one family.
type ipRange struct {
	lo, hi []byte
}

func (r *ipRange) contains(ip []byte) bool {
	return len(ip) == len(r.lo) && bytes.Compare(ip, r.lo) >= 0 && bytes.Compare(ip, r.hi) <= 0
}

// compileCIDR parses a cidr operand with event-ruler's checks and reasons.
func compileCIDR(s string) (*ipRange, *Error) {
	// Java's String.split drops trailing empty strings.
	parts := strings.Split(s, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 2 {
		return nil, &Error{Reason: "Malformed CIDR, one '/' required"}
	}
	bits, err := strconv.ParseInt(parts[1], 10, 32)
	if err != nil {
		return nil, &Error{Reason: "Malformed CIDR, mask bits must be an integer"}
	}
	if bits < 0 {
		return nil, &Error{Reason: "Malformed CIDR, mask bits must not be negative"}
	}
	ip, ok := parseIP(parts[0])
	if !ok {
		return nil, &Error{Reason: "Nonstandard IP address: " + parts[0]}
	}
	if len(ip) == 4 && bits > 31 {
		return nil, &Error{Reason: "IPv4 mask bits must be < 32"}
	}
	if len(ip) == 16 && bits > 127 {
		return nil, &Error{Reason: "IPv6 mask bits must be < 128"}
	}
	// event-ruler keeps the given address as the bottom and sets the host
	// bits for the top.
	hi := append([]byte(nil), ip...)
	host := len(ip)*8 - int(bits)
	for i := len(hi) - 1; i >= 0 && host > 0; i-- {
		if host >= 8 {
			hi[i] = 0xff
		} else {
			hi[i] |= byte(1<<host - 1)
		}
		host -= 8
	}
	return &ipRange{lo: ip, hi: hi}, nil
}
