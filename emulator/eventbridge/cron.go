package eventbridge

import (
	"strconv"
	"strings"
	"time"
)

// schedule is a parsed ScheduleExpression: rate(N unit) or cron(six fields).
type schedule struct {
	expr   string
	every  time.Duration // rate schedules
	anchor time.Time     // rate schedules fire at anchor + k*every
	cron   *cronSpec
}

// errSchedule is AWS's answer for any invalid ScheduleExpression.
func errSchedule() error { return errValidation("Parameter ScheduleExpression is not valid.") }

// parseSchedule parses a ScheduleExpression; anchor is when the rule was
// created (rate schedules count from it).
func parseSchedule(expr string, anchor time.Time) (*schedule, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		d, ok := parseRate(expr[len("rate(") : len(expr)-1])
		if !ok {
			return nil, errSchedule()
		}
		return &schedule{expr: expr, every: d, anchor: anchor.Truncate(time.Minute)}, nil
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, ok := parseCron(expr[len("cron(") : len(expr)-1])
		if !ok {
			return nil, errSchedule()
		}
		return &schedule{expr: expr, cron: c}, nil
	}
	return nil, errSchedule()
}

// parseRate parses "N unit": N a positive integer, unit singular exactly
// when N is 1.
func parseRate(s string) (time.Duration, bool) {
	num, unit, ok := strings.Cut(s, " ")
	if !ok || num == "" || num[0] == '+' || num[0] == '-' {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, false
	}
	var base time.Duration
	switch strings.TrimSuffix(unit, "s") {
	case "minute":
		base = time.Minute
	case "hour":
		base = time.Hour
	case "day":
		base = 24 * time.Hour
	default:
		return 0, false
	}
	plural := strings.HasSuffix(unit, "s")
	if plural == (n == 1) {
		return 0, false
	}
	if int64(n) > int64(1<<62)/int64(base) {
		return 0, false
	}
	return time.Duration(n) * base, true
}

// nextFire is the first firing time strictly after after (UTC), or the zero
// time when the schedule never fires again.
func (sc *schedule) nextFire(after time.Time) time.Time {
	if sc.cron != nil {
		return sc.cron.next(after.UTC())
	}
	if !after.Before(sc.anchor) {
		k := after.Sub(sc.anchor)/sc.every + 1
		return sc.anchor.Add(k * sc.every)
	}
	return sc.anchor.Add(sc.every)
}

// cronSpec is a parsed six-field cron expression.
type cronSpec struct {
	minutes [60]bool
	hours   [24]bool
	months  [13]bool
	years   [cronMaxYear - cronMinYear + 1]bool
	// Day of month: days, or L (last day), LW (last weekday), nW.
	domAny   bool
	dom      [32]bool
	domLast  bool
	domLastW bool
	domNearW int
	// Day of week (1 = Sunday): days, nL (last such weekday), n#k.
	dowAny  bool
	dow     [8]bool
	dowLast int
	dowNth  [2]int // weekday, k
}

const (
	cronMinYear = 1970
	cronMaxYear = 2199
)

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

// parseCron parses "min hour dom month dow year".
func parseCron(s string) (*cronSpec, bool) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, false
	}
	c := &cronSpec{}
	ok := parseField(f[0], 0, 59, nil, func(v int) { c.minutes[v] = true }) &&
		parseField(f[1], 0, 23, nil, func(v int) { c.hours[v] = true }) &&
		parseField(f[3], 1, 12, monthNames, func(v int) { c.months[v] = true }) &&
		parseField(f[5], cronMinYear, cronMaxYear, nil, func(v int) { c.years[v-cronMinYear] = true })
	if !ok {
		return nil, false
	}
	domQ, dowQ := f[2] == "?", f[4] == "?"
	if domQ == dowQ { // exactly one of them must be '?'
		return nil, false
	}
	if domQ {
		c.domAny = true
		if !c.parseDOW(f[4]) {
			return nil, false
		}
	} else {
		c.dowAny = true
		if !c.parseDOM(f[2]) {
			return nil, false
		}
	}
	return c, true
}

func (c *cronSpec) parseDOM(f string) bool {
	switch {
	case f == "L":
		c.domLast = true
		return true
	case f == "LW":
		c.domLastW = true
		return true
	case strings.HasSuffix(f, "W"):
		n, err := strconv.Atoi(strings.TrimSuffix(f, "W"))
		if err != nil || n < 1 || n > 31 {
			return false
		}
		c.domNearW = n
		return true
	}
	return parseField(f, 1, 31, nil, func(v int) { c.dom[v] = true })
}

func (c *cronSpec) parseDOW(f string) bool {
	if d, k, ok := strings.Cut(f, "#"); ok {
		wd, ok1 := fieldValue(d, 1, 7, dayNames)
		n, err := strconv.Atoi(k)
		if !ok1 || err != nil || n < 1 || n > 5 {
			return false
		}
		c.dowNth = [2]int{wd, n}
		return true
	}
	if f == "L" {
		c.dowLast = 7
		return true
	}
	if d, ok := strings.CutSuffix(f, "L"); ok {
		wd, ok := fieldValue(d, 1, 7, dayNames)
		if !ok {
			return false
		}
		c.dowLast = wd
		return true
	}
	return parseField(f, 1, 7, dayNames, func(v int) { c.dow[v] = true })
}

// fieldValue parses a number or a name in [lo, hi].
func fieldValue(s string, lo, hi int, names map[string]int) (int, bool) {
	if v, ok := names[strings.ToUpper(s)]; ok && names != nil {
		return v, true
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, false
	}
	return v, true
}

// parseField parses a comma list of *, v, a-b and x/step items.
func parseField(f string, lo, hi int, names map[string]int, set func(int)) bool {
	for _, item := range strings.Split(f, ",") {
		base, stepS, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n < 1 {
				return false
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case base == "*":
		case strings.Contains(base, "-"):
			a, b, _ := strings.Cut(base, "-")
			var ok1, ok2 bool
			from, ok1 = fieldValue(a, lo, hi, names)
			to, ok2 = fieldValue(b, lo, hi, names)
			if !ok1 || !ok2 || from > to {
				return false
			}
		default:
			v, ok := fieldValue(base, lo, hi, names)
			if !ok {
				return false
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		for v := from; v <= to; v += step {
			set(v)
		}
	}
	return true
}

// dayMatches reports whether the date matches the day-of-month and
// day-of-week fields.
func (c *cronSpec) dayMatches(d time.Time) bool {
	y, m, day := d.Date()
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	wd := int(d.Weekday()) + 1
	if c.dowAny {
		switch {
		case c.domLast:
			return day == last
		case c.domLastW:
			return day == nearestWeekday(y, m, last, last)
		case c.domNearW > 0:
			return c.domNearW <= last && day == nearestWeekday(y, m, c.domNearW, last)
		}
		return c.dom[day]
	}
	switch {
	case c.dowLast > 0:
		return wd == c.dowLast && day+7 > last
	case c.dowNth[0] > 0:
		return wd == c.dowNth[0] && (day-1)/7+1 == c.dowNth[1]
	}
	return c.dow[wd]
}

// nearestWeekday is the weekday nearest to day n of the month, within it.
func nearestWeekday(y int, m time.Month, n, last int) int {
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}

// next is the first matching minute strictly after t (UTC), or zero.
func (c *cronSpec) next(t time.Time) time.Time {
	t = t.Truncate(time.Minute).Add(time.Minute)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for day.Year() <= cronMaxYear {
		y := day.Year()
		if y < cronMinYear || !c.years[y-cronMinYear] {
			day = time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.months[day.Month()] {
			day = time.Date(y, day.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if c.dayMatches(day) {
			for h := 0; h < 24; h++ {
				if !c.hours[h] {
					continue
				}
				for mi := 0; mi < 60; mi++ {
					if !c.minutes[mi] {
						continue
					}
					at := day.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute)
					if !at.Before(t) {
						return at
					}
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}
}
