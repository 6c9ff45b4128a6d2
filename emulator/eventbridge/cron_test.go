package eventbridge

import (
	"testing"
	"time"
)

func TestScheduleNextFire(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 12, 6, 22, 10, 30, 0, time.UTC) // a Sunday
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		expr, after string
		want        []string // successive firings
	}{
		{"rate(1 hour)", "2026-12-06T22:10:30Z", []string{"2026-12-06T23:10:00Z", "2026-12-07T00:10:00Z"}},
		{"rate(5 minutes)", "2026-12-06T22:30:00Z", []string{"2026-12-06T22:35:00Z", "2026-12-06T22:40:00Z"}},
		{"rate(1 day)", "2026-12-01T00:00:00Z", []string{"2026-12-07T22:10:00Z"}},
		{"cron(0 12 * * ? *)", "2026-12-06T22:10:30Z", []string{"2026-12-07T12:00:00Z", "2026-12-08T12:00:00Z"}},
		{"cron(15 10 ? * MON-FRI *)", "2026-12-04T10:15:00Z", []string{"2026-12-07T10:15:00Z", "2026-12-08T10:15:00Z"}},
		{"cron(0/20 * * * ? *)", "2026-12-06T22:10:30Z", []string{"2026-12-06T22:20:00Z", "2026-12-06T22:40:00Z", "2026-12-06T23:00:00Z"}},
		{"cron(0 18 L * ? *)", "2026-12-06T22:10:30Z", []string{"2026-12-31T18:00:00Z", "2027-01-31T18:00:00Z", "2027-02-28T18:00:00Z"}},
		{"cron(0 9 ? * 2#1 *)", "2026-12-06T22:10:30Z", []string{"2026-12-07T09:00:00Z", "2027-01-04T09:00:00Z", "2027-02-01T09:00:00Z"}},
		{"cron(0 9 ? * 6L *)", "2026-12-06T22:10:30Z", []string{"2026-12-25T09:00:00Z", "2027-01-29T09:00:00Z"}},
		{"cron(0 9 1W * ? *)", "2027-04-01T10:00:00Z", []string{"2027-05-03T09:00:00Z"}}, // 1 May 2027 is a Saturday
		{"cron(0 9 LW * ? *)", "2027-01-01T00:00:00Z", []string{"2027-01-29T09:00:00Z"}}, // 31 Jan 2027 is a Sunday
		{"cron(30 6 1 JAN,JUL ? 2027)", "2026-12-06T22:10:30Z", []string{"2027-01-01T06:30:00Z", "2027-07-01T06:30:00Z", "0001-01-01T00:00:00Z"}},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			sc, err := parseSchedule(tc.expr, created)
			if err != nil {
				t.Fatal(err)
			}
			cur := at(tc.after)
			for _, w := range tc.want {
				next := sc.nextFire(cur)
				if !next.Equal(at(w)) {
					t.Fatalf("nextFire(%s) = %s, want %s", cur.Format(time.RFC3339), next.Format(time.RFC3339), w)
				}
				cur = next
			}
		})
	}
}

func TestParseScheduleRejects(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"rate(1 minutes)", "rate(2 minute)", "rate(-1 minutes)", "rate(+1 minute)", "rate(1.5 hours)", "rate(1 hour", "rate()",
		"cron(0 12 * * ? * *)", "cron(0 24 * * ? *)", "cron(0 12 32 * ? *)", "cron(0 12 * 13 ? *)", "cron(0 12 ? * 8 *)",
		"cron(0 12 ? * ? *)", "cron(0 12 1 * 1 *)", "cron(0 12 * * ? 2200)", "cron(5-1 * * * ? *)", "cron(*/0 * * * ? *)",
		"cron(0 12 ? * MON#6 *)", "cron(0 12 40W * ? *)", "at(2026-01-01T00:00:00)",
	} {
		if _, err := parseSchedule(expr, time.Time{}); err == nil {
			t.Errorf("parseSchedule(%q) accepted", expr)
		}
	}
}
