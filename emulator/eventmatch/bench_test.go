package eventmatch

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchEvent is a realistic EventBridge event of about 1 KB.
const benchEvent = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "Order Placed",
  "source": "com.example.orders",
  "account": "111122223333",
  "time": "2026-12-06T18:43:48Z",
  "region": "eu-west-1",
  "resources": [
    "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
    "arn:aws:s3:::example-invoices/2026/12/06/inv-8812.pdf"
  ],
  "detail": {
    "orderId": "ord-20261206-8812",
    "status": "PLACED",
    "amount": 129.95,
    "currency": "EUR",
    "items": [
      {"sku": "SKU-1001", "qty": 2, "price": 39.99, "category": "books"},
      {"sku": "SKU-2002", "qty": 1, "price": 49.97, "category": "games"}
    ],
    "customer": {
      "id": "cus-4410",
      "tier": "gold",
      "region": "EU-West",
      "email": "someone@example.com",
      "ip": "10.24.3.17"
    },
    "channel": "web",
    "coupon": null,
    "giftWrap": false,
    "notes": "leave at the door, ring twice"
  }
}`

// benchRules makes n rules of mixed operators over benchEvent's fields.
func benchRules(n int) []string {
	r := rand.New(rand.NewPCG(7, 8))
	sources := []string{"com.example.orders", "com.example.payments", "com.example.shipping", "aws.ec2", "aws.s3",
		"aws.dynamodb", "com.example.users", "com.example.catalog", "aws.lambda", "aws.sqs"}
	types := []string{"Order Placed", "Order Cancelled", "Order Shipped", "Payment Failed", "Item Added"}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	extra := []func() string{
		func() string { return fmt.Sprintf(`"detail-type":[%q]`, pick(types)) },
		func() string {
			return fmt.Sprintf(`"detail":{"status":[{"anything-but":[%q,"CANCELLED"]}]}`, pick([]string{"PLACED", "NEW"}))
		},
		func() string {
			lo := r.IntN(200)
			return fmt.Sprintf(`"detail":{"amount":[{"numeric":[">=",%d,"<",%d]}]}`, lo, lo+50+r.IntN(100))
		},
		func() string {
			return fmt.Sprintf(`"detail":{"customer":{"tier":[%q]}}`, pick([]string{"gold", "silver", "bronze"}))
		},
		func() string {
			return fmt.Sprintf(`"detail":{"customer":{"region":[{"equals-ignore-case":%q}]}}`, pick([]string{"eu-west", "us-east"}))
		},
		func() string { return fmt.Sprintf(`"region":[{"prefix":%q}]`, pick([]string{"eu-", "us-", "ap-"})) },
		func() string {
			return fmt.Sprintf(`"resources":[{"wildcard":%q}]`, pick([]string{"arn:aws:s3:::*/*.pdf", "arn:aws:dynamodb:*:table/orders", "*:table/users"}))
		},
		func() string {
			return fmt.Sprintf(`"detail":{"customer":{"ip":[{"cidr":%q}]}}`, pick([]string{"10.24.0.0/16", "192.168.0.0/16"}))
		},
		func() string { return `"detail":{"coupon":[{"exists":false}]}` },
		func() string {
			return fmt.Sprintf(`"detail":{"items":{"category":[%q],"qty":[{"numeric":[">",%d]}]}}`, pick([]string{"books", "games", "toys"}), r.IntN(3))
		},
		func() string {
			return fmt.Sprintf(`"detail":{"email":[{"suffix":%q}]}`, pick([]string{"@example.com", "@example.org"}))
		},
		func() string {
			return fmt.Sprintf(`"$or":[{"detail":{"channel":[%q]}},{"detail":{"giftWrap":[true]}}]`, pick([]string{"web", "app"}))
		},
	}
	out := make([]string, n)
	for i := range out {
		parts := []string{fmt.Sprintf(`"source":[%q]`, pick(sources))}
		used := map[int]bool{}
		for k := 1 + r.IntN(3); k > 0; k-- {
			j := r.IntN(len(extra))
			if used[j] {
				continue
			}
			used[j] = true
			parts = append(parts, extra[j]())
		}
		out[i] = "{" + mergeDetail(parts) + "}"
	}
	return out
}

// mergeDetail merges several "detail":{...} parts into one object.
func mergeDetail(parts []string) string {
	var keep, detail []string
	for _, p := range parts {
		if rest, ok := strings.CutPrefix(p, `"detail":{`); ok {
			detail = append(detail, strings.TrimSuffix(rest, "}"))
		} else {
			keep = append(keep, p)
		}
	}
	if len(detail) > 0 {
		keep = append(keep, `"detail":{`+mergeObjects(detail)+`}`)
	}
	return strings.Join(keep, ",")
}

// mergeObjects joins field lists, merging repeated "customer" objects.
func mergeObjects(fields []string) string {
	var keep, customer []string
	for _, f := range fields {
		if rest, ok := strings.CutPrefix(f, `"customer":{`); ok {
			customer = append(customer, strings.TrimSuffix(rest, "}"))
		} else {
			keep = append(keep, f)
		}
	}
	if len(customer) > 0 {
		keep = append(keep, `"customer":{`+strings.Join(customer, ",")+`}`)
	}
	return strings.Join(keep, ",")
}

func benchSet(b *testing.B, n int) *Set {
	var s Set
	for i, p := range benchRules(n) {
		r, err := CompilePattern([]byte(p))
		if err != nil {
			b.Fatalf("rule %s: %v", p, err)
		}
		s.Add(fmt.Sprintf("rule-%04d", i), r)
	}
	return &s
}

// BenchmarkMatch1000Rules matches a 1 KB event against 1,000 rules.
func BenchmarkMatch1000Rules(b *testing.B) {
	s := benchSet(b, 1000)
	ev := []byte(benchEvent)
	ids, err := s.Match(ev)
	if err != nil || len(ids) == 0 {
		b.Fatalf("Match = %v, %v", ids, err)
	}
	b.ReportMetric(float64(len(ids)), "matches/op")
	var dst []string
	b.ReportAllocs()
	b.SetBytes(int64(len(ev)))
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		dst, _ = s.AppendMatches(dst[:0], ev)
	}
	reportCPU(b, start)
}

// BenchmarkMatch1000RulesOneByOne is the naive way, for comparison: each
// rule matched on its own (the event is read once per rule).
func BenchmarkMatch1000RulesOneByOne(b *testing.B) {
	var rules []*Rule
	for _, p := range benchRules(1000) {
		r, err := CompilePattern([]byte(p))
		if err != nil {
			b.Fatal(err)
		}
		rules = append(rules, r)
	}
	ev := []byte(benchEvent)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		n := 0
		for _, r := range rules {
			if r.Match(ev) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no match")
		}
	}
	reportCPU(b, start)
}

// BenchmarkFilterPolicyAttributes matches one SNS filter policy against
// message attributes.
func BenchmarkFilterPolicyAttributes(b *testing.B) {
	r, err := CompileFilterPolicy([]byte(`{"store":["example_corp"],"event":[{"anything-but":"order_cancelled"}],"customer_interests":["rugby","football","baseball"],"price_usd":[{"numeric":[">=",100]}]}`), ScopeMessageAttributes)
	if err != nil {
		b.Fatal(err)
	}
	attrs := map[string]Attribute{
		"store":              {Type: "String", Value: "example_corp"},
		"event":              {Type: "String", Value: "order_placed"},
		"customer_interests": {Type: "String.Array", Value: `["soccer","rugby","hockey"]`},
		"price_usd":          {Type: "Number", Value: "210.75"},
		"encrypted":          {Type: "Binary", Value: "AAE="},
	}
	if !r.MatchAttributes(attrs) {
		b.Fatal("no match")
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		r.MatchAttributes(attrs)
	}
	reportCPU(b, start)
}

// TestBenchRulesAgree checks the benchmark's set against the reference, so
// the figure is for correct answers.
func TestBenchRulesAgree(t *testing.T) {
	t.Parallel()
	var s Set
	var ids []string
	var rules []*Rule
	for i, p := range benchRules(1000) {
		r, err := CompilePattern([]byte(p))
		if err != nil {
			t.Fatalf("rule %s: %v", p, err)
		}
		id := fmt.Sprintf("rule-%04d", i)
		s.Add(id, r)
		ids, rules = append(ids, id), append(rules, r)
	}
	got, err := s.Match([]byte(benchEvent))
	if err != nil {
		t.Fatal(err)
	}
	leaves, _ := refFlatten([]byte(benchEvent))
	want := refSetMatch(ids, rules, leaves)
	if len(want) == 0 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %d ids, want %d: %v vs %v", len(got), len(want), got, want)
	}
}
