package sns_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func TestSMSAttributes(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	got := cpMust[*sdksns.GetSMSAttributesOutput](t)(c.GetSMSAttributes(ctx, &sdksns.GetSMSAttributesInput{}))
	if got.Attributes["MonthlySpendLimit"] != "1" {
		t.Fatalf("defaults = %v", got.Attributes)
	}
	cases := []struct {
		attrs   map[string]string
		wantErr string
	}{
		{map[string]string{"DefaultSMSType": "Transactional", "DefaultSenderID": "Shop", "MonthlySpendLimit": "10"}, ""},
		{map[string]string{"DefaultSMSType": "Loud"}, "DefaultSMSType is invalid"},
		{map[string]string{"DefaultSenderID": "way-too-long-sender"}, "DefaultSenderID is not a valid attribute"},
		{map[string]string{"Colour": "red"}, "Colour is not a valid attribute"},
	}
	for _, tc := range cases {
		_, err := c.SetSMSAttributes(ctx, &sdksns.SetSMSAttributesInput{Attributes: tc.attrs})
		if tc.wantErr != "" {
			cpErr(t, err, "InvalidParameter", tc.wantErr)
			continue
		}
		if err != nil {
			t.Fatalf("SetSMSAttributes: %v", err)
		}
	}
	got = cpMust[*sdksns.GetSMSAttributesOutput](t)(c.GetSMSAttributes(ctx, &sdksns.GetSMSAttributesInput{Attributes: []string{"DefaultSMSType"}}))
	if len(got.Attributes) != 1 || got.Attributes["DefaultSMSType"] != "Transactional" {
		t.Fatalf("filtered = %v", got.Attributes)
	}
}

func TestPhoneNumberOptOut(t *testing.T) {
	t.Parallel()
	c, e := cpSetup(t)
	ctx := context.Background()
	check := func(n string) bool {
		out := cpMust[*sdksns.CheckIfPhoneNumberIsOptedOutOutput](t)(c.CheckIfPhoneNumberIsOptedOut(ctx, &sdksns.CheckIfPhoneNumberIsOptedOutInput{PhoneNumber: aws.String(n)}))
		return out.IsOptedOut
	}
	if check("+15555550100") {
		t.Fatal("fresh number opted out")
	}
	for _, n := range []string{"+15555550100", "+15555550101"} {
		if err := e.SNS().OptOutPhoneNumber(n); err != nil {
			t.Fatal(err)
		}
	}
	if !check("+15555550100") {
		t.Fatal("opt-out not seen")
	}
	list := cpMust[*sdksns.ListPhoneNumbersOptedOutOutput](t)(c.ListPhoneNumbersOptedOut(ctx, &sdksns.ListPhoneNumbersOptedOutInput{}))
	if len(list.PhoneNumbers) != 2 || list.PhoneNumbers[0] != "+15555550100" {
		t.Fatalf("opted out = %v", list.PhoneNumbers)
	}
	cpMust[*sdksns.OptInPhoneNumberOutput](t)(c.OptInPhoneNumber(ctx, &sdksns.OptInPhoneNumberInput{PhoneNumber: aws.String("+15555550100")}))
	if check("+15555550100") {
		t.Fatal("opt-in not seen")
	}
	for _, bad := range []string{"5555550100", "+1 555"} {
		_, err := c.OptInPhoneNumber(ctx, &sdksns.OptInPhoneNumberInput{PhoneNumber: aws.String(bad)})
		cpErr(t, err, "InvalidParameter", "Invalid parameter: PhoneNumber Reason: input incorrectly formatted")
	}
}

func TestSMSSandbox(t *testing.T) {
	t.Parallel()
	c, e := cpSetup(t)
	ctx := context.Background()
	status := cpMust[*sdksns.GetSMSSandboxAccountStatusOutput](t)(c.GetSMSSandboxAccountStatus(ctx, &sdksns.GetSMSSandboxAccountStatusInput{}))
	if !status.IsInSandbox {
		t.Fatal("new account not in the SMS sandbox")
	}
	n := "+15555550123"
	cpMust[*sdksns.CreateSMSSandboxPhoneNumberOutput](t)(c.CreateSMSSandboxPhoneNumber(ctx, &sdksns.CreateSMSSandboxPhoneNumberInput{PhoneNumber: aws.String(n)}))
	otp, ok := e.SNS().SandboxOneTimePassword(n)
	if !ok || len(otp) != 6 {
		t.Fatalf("one-time password %q, %v", otp, ok)
	}
	list := cpMust[*sdksns.ListSMSSandboxPhoneNumbersOutput](t)(c.ListSMSSandboxPhoneNumbers(ctx, &sdksns.ListSMSSandboxPhoneNumbersInput{}))
	if len(list.PhoneNumbers) != 1 || list.PhoneNumbers[0].Status != types.SMSSandboxPhoneNumberVerificationStatusPending {
		t.Fatalf("sandbox numbers = %+v", list.PhoneNumbers)
	}
	wrong := "000000"
	if otp == wrong {
		wrong = "111111"
	}
	_, err := c.VerifySMSSandboxPhoneNumber(ctx, &sdksns.VerifySMSSandboxPhoneNumberInput{PhoneNumber: aws.String(n), OneTimePassword: aws.String(wrong)})
	var ve *types.VerificationException
	if !errors.As(err, &ve) || ve.Status == nil || *ve.Status != "Pending" {
		t.Fatalf("wrong password: %v", err)
	}
	_, err = c.VerifySMSSandboxPhoneNumber(ctx, &sdksns.VerifySMSSandboxPhoneNumberInput{PhoneNumber: aws.String("+15555550999"), OneTimePassword: aws.String(otp)})
	cpErr(t, err, "ResourceNotFound", "")
	cpMust[*sdksns.VerifySMSSandboxPhoneNumberOutput](t)(c.VerifySMSSandboxPhoneNumber(ctx, &sdksns.VerifySMSSandboxPhoneNumberInput{PhoneNumber: aws.String(n), OneTimePassword: aws.String(otp)}))
	list = cpMust[*sdksns.ListSMSSandboxPhoneNumbersOutput](t)(c.ListSMSSandboxPhoneNumbers(ctx, &sdksns.ListSMSSandboxPhoneNumbersInput{}))
	if list.PhoneNumbers[0].Status != types.SMSSandboxPhoneNumberVerificationStatusVerified {
		t.Fatalf("after verify: %+v", list.PhoneNumbers)
	}
	cpMust[*sdksns.DeleteSMSSandboxPhoneNumberOutput](t)(c.DeleteSMSSandboxPhoneNumber(ctx, &sdksns.DeleteSMSSandboxPhoneNumberInput{PhoneNumber: aws.String(n)}))
	_, err = c.DeleteSMSSandboxPhoneNumber(ctx, &sdksns.DeleteSMSSandboxPhoneNumberInput{PhoneNumber: aws.String(n)})
	cpErr(t, err, "ResourceNotFound", "")
	e.SNS().SetSMSSandbox(false)
	status = cpMust[*sdksns.GetSMSSandboxAccountStatusOutput](t)(c.GetSMSSandboxAccountStatus(ctx, &sdksns.GetSMSSandboxAccountStatusInput{}))
	if status.IsInSandbox {
		t.Fatal("still in sandbox")
	}
	orig := cpMust[*sdksns.ListOriginationNumbersOutput](t)(c.ListOriginationNumbers(ctx, &sdksns.ListOriginationNumbersInput{}))
	if len(orig.PhoneNumbers) != 0 {
		t.Fatalf("origination numbers = %+v", orig.PhoneNumbers)
	}
}
