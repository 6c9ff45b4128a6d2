package jsonstr

import "strconv"

// AppendEpochMillis appends ms (Unix milliseconds) as AWS's JSON
// protocols render a timestamp, epoch seconds the way Java prints a
// double: 1.733516123456E9, 1.7335161E9, 1.0E10. It covers the times
// from 10^7 to 10^11 seconds (1970-04-26 to the year 5138), where a
// double is precise to far less than a millisecond, so that the shortest
// text that reads back as it is the exact decimal of the milliseconds; it
// reports false for other times, which the caller renders in full.
func AppendEpochMillis(b []byte, ms int64) ([]byte, bool) {
	if ms < 1e10 || ms >= 1e14 {
		return b, false
	}
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], ms, 10)
	exp := len(digits) - 4 // the point sits before the last three digits
	last := len(digits)
	for last > 1 && digits[last-1] == '0' {
		last--
	}
	b = append(b, digits[0], '.')
	if last == 1 {
		b = append(b, '0')
	} else {
		b = append(b, digits[1:last]...)
	}
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(exp), 10), true
}
