package eventmatch

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// patKind is the kind of one compiled value pattern.
type patKind uint8

const (
	pExactString         patKind = iota // s
	pExactIP                            // ip: a string pattern that is an IP literal
	pExactLiteral                       // s: true, false or null
	pExactNumber                        // s (literal text), num/numOK, flt
	pPrefix                             // s
	pPrefixFold                         // s folded
	pSuffix                             // s
	pSuffixFold                         // s folded
	pEqualsFold                         // s folded
	pWildcard                           // wc
	pAnythingBut                        // strs or nums/flts
	pAnythingButPrefix                  // s
	pAnythingButSuffix                  // s
	pAnythingButFold                    // strs folded
	pAnythingButWildcard                // wcs
	pNumeric                            // rng
	pExists                             // a leaf value is present
	pAbsent                             // no leaf value is present
	pCIDR                               // ipr
)

// pattern is one compiled value pattern of a field.
type pattern struct {
	kind patKind
	sns  bool // SNS number semantics (float64, no range)

	s     string
	num   int64 // EventBridge comparable form
	numOK bool
	flt   float64

	strs map[string]struct{}
	nums map[int64]struct{}
	flts map[float64]struct{}
	wc   *wildcard
	wcs  []*wildcard
	rng  numRange
	ipr  *ipRange
}

// numRange is a numeric condition with up to two bounds.
type numRange struct {
	hasLo, hasHi   bool
	loOpen, hiOpen bool
	lo, hi         int64 // EventBridge comparable bounds
	flo, fhi       float64
}

func (r *numRange) containsInt(c int64) bool {
	if r.hasLo && (c < r.lo || r.loOpen && c == r.lo) {
		return false
	}
	if r.hasHi && (c > r.hi || r.hiOpen && c == r.hi) {
		return false
	}
	return true
}

func (r *numRange) containsFloat(f float64) bool {
	if r.hasLo && (f < r.flo || r.loOpen && f == r.flo) {
		return false
	}
	if r.hasHi && (f > r.fhi || r.hiOpen && f == r.fhi) {
		return false
	}
	return true
}

// valKind is the JSON type of an event leaf value.
type valKind uint8

const (
	vString valKind = iota
	vNumber
	vTrue
	vFalse
	vNull
)

// value is one leaf value of an event.
type value struct {
	kind valKind
	str  string // the string, or a number's literal text
	f    float64
	fOK  bool
	c    int64 // EventBridge comparable form
	cOK  bool
}

func newNumberValue(text string) value {
	v := value{kind: vNumber, str: text}
	v.f, v.fOK = parseNumber(text)
	if v.fOK {
		v.c, v.cOK = toComparable(v.f)
	}
	return v
}

func (v *value) literal() string {
	switch v.kind {
	case vTrue:
		return "true"
	case vFalse:
		return "false"
	case vNull:
		return "null"
	}
	return v.str
}

// numEqual reports numeric equality of a number value and a number in
// pattern p's semantics.
func (p *pattern) numEqual(v *value, num int64, numOK bool, flt float64) bool {
	if p.sns {
		return v.fOK && v.f == flt
	}
	return numOK && v.cOK && v.c == num
}

// matches reports whether v satisfies p. It is the reference semantics of
// every pattern; the Set's indexes must agree with it. pExists and pAbsent
// are decided by the presence of any value, not here (pExists: true).
func (p *pattern) matches(v *value) bool {
	isStr := v.kind == vString
	switch p.kind {
	case pExactString:
		return isStr && v.str == p.s
	case pExactIP:
		if !isStr {
			return false
		}
		ip, ok := parseIPAddr(v.str)
		return ok && string(ip.b[:ip.n]) == p.s
	case pExactLiteral:
		return !isStr && v.literal() == p.s
	case pExactNumber:
		return v.kind == vNumber && (v.str == p.s || p.numEqual(v, p.num, p.numOK, p.flt))
	case pPrefix:
		return isStr && strings.HasPrefix(v.str, p.s)
	case pPrefixFold:
		if !isStr {
			return false
		}
		var buf [64]byte
		b := appendFold(buf[:0], v.str)
		return len(b) >= len(p.s) && string(b[:len(p.s)]) == p.s
	case pSuffix:
		return isStr && strings.HasSuffix(v.str, p.s)
	case pSuffixFold:
		if !isStr {
			return false
		}
		var buf [64]byte
		b := appendFold(buf[:0], v.str)
		return len(b) >= len(p.s) && string(b[len(b)-len(p.s):]) == p.s
	case pEqualsFold:
		if !isStr {
			return false
		}
		var buf [64]byte
		return string(appendFold(buf[:0], v.str)) == p.s
	case pWildcard:
		return isStr && p.wc.match(v.str)
	case pAnythingBut:
		// unverified: as in event-ruler's byte machine, a value of another
		// type (a string against numbers, null, booleans) is "anything but".
		if isStr {
			_, in := p.strs[v.str]
			return !in
		}
		if v.kind == vNumber {
			if p.sns {
				_, in := p.flts[v.f]
				return !(v.fOK && in)
			}
			_, in := p.nums[v.c]
			return !(v.cOK && in)
		}
		return true
	case pAnythingButPrefix:
		// unverified: non-string values match, as in event-ruler (the
		// prefix includes the opening quote of a string).
		return !isStr || !strings.HasPrefix(v.str, p.s)
	case pAnythingButSuffix:
		return !isStr || !strings.HasSuffix(v.str, p.s)
	case pAnythingButFold:
		if !isStr {
			return true
		}
		var buf [64]byte
		_, in := p.strs[string(appendFold(buf[:0], v.str))]
		return !in
	case pAnythingButWildcard:
		if !isStr {
			return true
		}
		for _, w := range p.wcs {
			if w.match(v.str) {
				return false
			}
		}
		return true
	case pNumeric:
		if v.kind != vNumber {
			return false
		}
		if p.sns {
			return v.fOK && p.rng.containsFloat(v.f)
		}
		return v.cOK && p.rng.containsInt(v.c)
	case pExists:
		return true
	case pAbsent:
		return false
	case pCIDR:
		if !isStr {
			return false
		}
		ip, ok := parseIPAddr(v.str)
		return ok && p.ipr.contains(ip.b[:ip.n])
	}
	return false
}

// fold is the case-folded form equals-ignore-case compares.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			return string(appendFold(nil, s))
		}
	}
	return s
}

// appendFold appends the folded form of s to dst.
func appendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(unicode.ToUpper(r)))
		i += n
	}
	return dst
}
