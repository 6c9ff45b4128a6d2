package eventbridge_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestDefaultBusExists(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	for _, name := range []*string{nil, aws.String("default"), aws.String("arn:aws:events:us-east-1:000000000000:event-bus/default")} {
		out := cpMust[*sdkeb.DescribeEventBusOutput](t)(c.DescribeEventBus(ctx, &sdkeb.DescribeEventBusInput{Name: name}))
		if *out.Name != "default" || *out.Arn != "arn:aws:events:us-east-1:000000000000:event-bus/default" || out.Policy != nil {
			t.Fatalf("DescribeEventBus(%v) = %+v", aws.ToString(name), out)
		}
	}
	_, err := c.DeleteEventBus(ctx, &sdkeb.DeleteEventBusInput{Name: aws.String("default")})
	cpErr(t, err, "ValidationException", "Cannot delete event bus default.")
}

func TestCreateEventBus(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("taken")}))
	cases := []struct {
		name, code, msg string
		dlq             string
	}{
		{name: "orders"},
		{name: "orders.v1-x_y"},
		{name: "taken", code: "ResourceAlreadyExistsException", msg: "Event bus taken already exists."},
		{name: "default", code: "ResourceAlreadyExistsException", msg: "Event bus default already exists."},
		{name: "a/b", code: "ValidationException", msg: "Event bus name must not contain '/'."},
		{name: "bad name", code: "ValidationException"},
		{name: "dlq-bus", dlq: "arn:aws:sqs:us-east-1:000000000000:dlq"},
		{name: "dlq-bad", dlq: "arn:aws:sns:us-east-1:000000000000:t", code: "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdkeb.CreateEventBusInput{Name: aws.String(tc.name), Description: aws.String("d")}
			if tc.dlq != "" {
				in.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(tc.dlq)}
			}
			out, err := c.CreateEventBus(ctx, in)
			if tc.code != "" {
				cpErr(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := "arn:aws:events:us-east-1:000000000000:event-bus/" + tc.name; *out.EventBusArn != want {
				t.Fatalf("arn %s, want %s", *out.EventBusArn, want)
			}
			d := cpMust[*sdkeb.DescribeEventBusOutput](t)(c.DescribeEventBus(ctx, &sdkeb.DescribeEventBusInput{Name: out.EventBusArn}))
			if *d.Name != tc.name || aws.ToString(d.Description) != "d" || d.CreationTime == nil {
				t.Fatalf("describe = %+v", d)
			}
			if tc.dlq != "" && aws.ToString(d.DeadLetterConfig.Arn) != tc.dlq {
				t.Fatalf("dlq = %+v", d.DeadLetterConfig)
			}
		})
	}
}

func TestEventBusUpdateListDelete(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	for i := range 5 {
		cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String(fmt.Sprintf("bus-%d", i))}))
	}
	u := cpMust[*sdkeb.UpdateEventBusOutput](t)(c.UpdateEventBus(ctx, &sdkeb.UpdateEventBusInput{Name: aws.String("bus-1"), Description: aws.String("new")}))
	if aws.ToString(u.Description) != "new" || *u.Name != "bus-1" {
		t.Fatalf("update = %+v", u)
	}
	_, err := c.UpdateEventBus(ctx, &sdkeb.UpdateEventBusInput{Name: aws.String("nope")})
	cpErr(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")

	// Pages of 2 over the five custom buses (the default bus does not match).
	var names []string
	var token *string
	for pages := 0; ; pages++ {
		out := cpMust[*sdkeb.ListEventBusesOutput](t)(c.ListEventBuses(ctx, &sdkeb.ListEventBusesInput{NamePrefix: aws.String("bus-"), Limit: aws.Int32(2), NextToken: token}))
		for _, b := range out.EventBuses {
			names = append(names, *b.Name)
		}
		if token = out.NextToken; token == nil {
			if pages != 2 {
				t.Fatalf("got %d pages", pages+1)
			}
			break
		}
	}
	if fmt.Sprint(names) != "[bus-0 bus-1 bus-2 bus-3 bus-4]" {
		t.Fatalf("names %v", names)
	}
	all := cpMust[*sdkeb.ListEventBusesOutput](t)(c.ListEventBuses(ctx, &sdkeb.ListEventBusesInput{}))
	if len(all.EventBuses) != 6 {
		t.Fatalf("ListEventBuses = %d buses", len(all.EventBuses))
	}
	_, err = c.ListEventBuses(ctx, &sdkeb.ListEventBusesInput{NextToken: aws.String("garbage")})
	cpErr(t, err, "ValidationException", "")

	cpRule(t, c, "bus-2", "r")
	cpMust[*sdkeb.DeleteEventBusOutput](t)(c.DeleteEventBus(ctx, &sdkeb.DeleteEventBusInput{Name: aws.String("bus-2")}))
	cpMust[*sdkeb.DeleteEventBusOutput](t)(c.DeleteEventBus(ctx, &sdkeb.DeleteEventBusInput{Name: aws.String("bus-2")}))
	_, err = c.DescribeEventBus(ctx, &sdkeb.DescribeEventBusInput{Name: aws.String("bus-2")})
	cpErr(t, err, "ResourceNotFoundException", "Event bus bus-2 does not exist.")
	// The rules went with the bus.
	cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("bus-2")}))
	_, err = c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("bus-2")})
	cpErr(t, err, "ResourceNotFoundException", "Rule r does not exist on EventBus bus-2.")
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	policy := func() string {
		t.Helper()
		return aws.ToString(cpMust[*sdkeb.DescribeEventBusOutput](t)(c.DescribeEventBus(ctx, &sdkeb.DescribeEventBusInput{})).Policy)
	}
	busArn := "arn:aws:events:us-east-1:000000000000:event-bus/default"
	cpMust[*sdkeb.PutPermissionOutput](t)(c.PutPermission(ctx, &sdkeb.PutPermissionInput{
		Action: aws.String("events:PutEvents"), Principal: aws.String(cpOther), StatementId: aws.String("acct")}))
	cpMust[*sdkeb.PutPermissionOutput](t)(c.PutPermission(ctx, &sdkeb.PutPermissionInput{
		Action: aws.String("events:PutEvents"), Principal: aws.String("*"), StatementId: aws.String("org"),
		Condition: &types.Condition{Type: aws.String("StringEquals"), Key: aws.String("aws:PrincipalOrgID"), Value: aws.String("o-1234567890")}}))
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},"Action":"events:PutEvents","Resource":"` + busArn + `"},` +
		`{"Sid":"org","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"` + busArn + `","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1234567890"}}}]}`
	if got := policy(); got != want {
		t.Fatalf("policy\n got %s\nwant %s", got, want)
	}
	errCases := []struct {
		name      string
		in        *sdkeb.PutPermissionInput
		code, msg string
	}{
		{"bad action", &sdkeb.PutPermissionInput{Action: aws.String("events:PutRule"), Principal: aws.String(cpOther), StatementId: aws.String("x")},
			"ValidationException", "Provided value in parameter 'action' is not supported."},
		{"bad principal", &sdkeb.PutPermissionInput{Action: aws.String("events:PutEvents"), Principal: aws.String("12"), StatementId: aws.String("x")},
			"ValidationException", ""},
		{"no principal", &sdkeb.PutPermissionInput{Action: aws.String("events:PutEvents"), StatementId: aws.String("x")},
			"ValidationException", "Parameter Principal must be specified."},
		{"condition with an account", &sdkeb.PutPermissionInput{Action: aws.String("events:PutEvents"), Principal: aws.String(cpOther), StatementId: aws.String("x"),
			Condition: &types.Condition{Type: aws.String("StringEquals"), Key: aws.String("aws:PrincipalOrgID"), Value: aws.String("o-1234567890")}},
			"InvalidParameterValue", "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set."},
		{"unknown bus", &sdkeb.PutPermissionInput{EventBusName: aws.String("nope"), Action: aws.String("events:PutEvents"), Principal: aws.String(cpOther), StatementId: aws.String("x")},
			"ResourceNotFoundException", "Event bus nope does not exist."},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutPermission(ctx, tc.in)
			cpErr(t, err, tc.code, tc.msg)
		})
	}
	_, err := c.RemovePermission(ctx, &sdkeb.RemovePermissionInput{StatementId: aws.String("zzz")})
	cpErr(t, err, "ResourceNotFoundException", "Statement with the provided id does not exist.")
	cpMust[*sdkeb.RemovePermissionOutput](t)(c.RemovePermission(ctx, &sdkeb.RemovePermissionInput{StatementId: aws.String("org")}))
	if got := policy(); got != want[:len(want)-len(`,{"Sid":"org","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"`+busArn+`","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1234567890"}}}]}`)]+"]}" {
		t.Fatalf("after remove: %s", got)
	}
	cpMust[*sdkeb.RemovePermissionOutput](t)(c.RemovePermission(ctx, &sdkeb.RemovePermissionInput{RemoveAllPermissions: true}))
	if got := policy(); got != "" {
		t.Fatalf("after remove all: %s", got)
	}
	_, err = c.RemovePermission(ctx, &sdkeb.RemovePermissionInput{StatementId: aws.String("acct")})
	cpErr(t, err, "ResourceNotFoundException", "EventBus does not have a policy.")

	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"all","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},"Action":"events:PutEvents","Resource":"` + busArn + `"}]}`
	cpMust[*sdkeb.PutPermissionOutput](t)(c.PutPermission(ctx, &sdkeb.PutPermissionInput{Policy: aws.String(doc)}))
	if got := policy(); got != doc {
		t.Fatalf("policy document\n got %s\nwant %s", got, doc)
	}
	_, err = c.PutPermission(ctx, &sdkeb.PutPermissionInput{Policy: aws.String("{not json")})
	cpErr(t, err, "ValidationException", "This policy contains invalid Json")
}
