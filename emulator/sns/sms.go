package sns

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// SMS settings and sandbox limits.
const (
	defaultMonthlySpendLimit = "1"
	maxSandboxNumbers        = 10
	maxSandboxPage           = 100
)

// smsAttrNames are the account SMS attributes SetSMSAttributes accepts.
var smsAttrNames = map[string]bool{
	"MonthlySpendLimit": true, "DeliveryStatusIAMRole": true, "DeliveryStatusSuccessSamplingRate": true,
	"DefaultSenderID": true, "DefaultSMSType": true, "UsageReportS3Bucket": true,
}

var senderIDRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9]{1,11}$`) })

// smsState is the account's SMS settings, opt-outs and sandbox (guarded by
// s.mu).
type smsState struct {
	attrs     map[string]string
	optedOut  map[string]uint64 // number -> sequence of the opt-out
	inSandbox bool
	sandbox   map[string]*sandboxNumber
	// changed is set once attrs or inSandbox leave their defaults' row
	// (persist.go: the "sms" row exists from then on).
	changed bool
}

// sandboxNumber is a destination number of the SMS sandbox.
type sandboxNumber struct {
	seq      uint64
	verified bool
	otp      string
}

func newSMSState() smsState {
	return smsState{attrs: map[string]string{"MonthlySpendLimit": defaultMonthlySpendLimit},
		optedOut: map[string]uint64{}, inSandbox: true, sandbox: map[string]*sandboxNumber{}}
}

// checkPhone validates an E.164 number with AWS's text.
func checkPhone(number string) error {
	if !e164Re().MatchString(number) || number[0] != '+' {
		return invalidParam("Invalid parameter: PhoneNumber Reason: input incorrectly formatted")
	}
	return nil
}

// SetSMSAttributes sets the account's default SMS settings.
func (s *Service) SetSMSAttributes(ctx context.Context, in *SetSMSAttributesInput) (*SetSMSAttributesOutput, error) {
	for _, k := range sortedKeys(in.Attributes) {
		v := in.Attributes[k]
		if !smsAttrNames[k] {
			return nil, invalidParam("%s is not a valid attribute", k)
		}
		switch k {
		case "DefaultSMSType":
			if v != "Promotional" && v != "Transactional" {
				return nil, invalidParam("DefaultSMSType is invalid")
			}
		case "DefaultSenderID":
			if !senderIDRe().MatchString(v) {
				return nil, invalidParam("DefaultSenderID is not a valid attribute")
			}
		case "MonthlySpendLimit":
			if n, err := strconv.Atoi(v); err != nil || n < 0 {
				return nil, invalidParam("MonthlySpendLimit is invalid") // unverified: wording
			}
		case "DeliveryStatusSuccessSamplingRate":
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 100 {
				return nil, invalidParam("DeliveryStatusSuccessSamplingRate is invalid") // unverified: wording
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.Copy(s.sms.attrs, in.Attributes)
	s.putSMSLocked()
	return &SetSMSAttributesOutput{}, nil
}

// GetSMSAttributes returns the named SMS settings (all when none named).
func (s *Service) GetSMSAttributes(ctx context.Context, in *GetSMSAttributesInput) (*GetSMSAttributesOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]string{}
	for k, v := range s.sms.attrs {
		if len(in.Attributes) == 0 || slices.Contains(in.Attributes, k) {
			out[k] = v
		}
	}
	return &GetSMSAttributesOutput{Attributes: out}, nil
}

// CheckIfPhoneNumberIsOptedOut reports whether a number opted out of SMS.
func (s *Service) CheckIfPhoneNumberIsOptedOut(ctx context.Context, in *CheckIfPhoneNumberIsOptedOutInput) (*CheckIfPhoneNumberIsOptedOutOutput, error) {
	n := str(in.PhoneNumber)
	if err := checkPhone(n); err != nil {
		return nil, err
	}
	s.mu.RLock()
	_, out := s.sms.optedOut[n]
	s.mu.RUnlock()
	return &CheckIfPhoneNumberIsOptedOutOutput{IsOptedOut: &out}, nil
}

// OptInPhoneNumber opts a number back in.
func (s *Service) OptInPhoneNumber(ctx context.Context, in *OptInPhoneNumberInput) (*OptInPhoneNumberOutput, error) {
	n := str(in.PhoneNumber)
	if err := checkPhone(n); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if _, ok := s.sms.optedOut[n]; ok {
		delete(s.sms.optedOut, n)
		s.putOptOutLocked(n, 0)
	}
	s.mu.Unlock()
	return &OptInPhoneNumberOutput{}, nil
}

// OptOutPhoneNumber records that a number opted out (as its owner replying
// STOP would on AWS), for tests.
func (s *Service) OptOutPhoneNumber(number string) error {
	if err := checkPhone(number); err != nil {
		return fmt.Errorf("opting out %q: %w", number, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sms.optedOut[number]; !ok {
		s.sms.optedOut[number] = s.nextSeqLocked()
		s.putOptOutLocked(number, s.sms.optedOut[number])
	}
	return nil
}

// ListPhoneNumbersOptedOut lists the opted-out numbers, 100 per page.
func (s *Service) ListPhoneNumbersOptedOut(ctx context.Context, in *ListPhoneNumbersOptedOutInput) (*ListPhoneNumbersOptedOutOutput, error) {
	s.mu.RLock()
	items := make([]paged[string], 0, len(s.sms.optedOut))
	for n, seq := range s.sms.optedOut {
		items = append(items, paged[string]{seq: seq, item: n})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	return &ListPhoneNumbersOptedOutOutput{PhoneNumbers: out, NextToken: next}, nil
}

// GetSMSSandboxAccountStatus reports whether the account is in the SMS
// sandbox (new accounts are).
func (s *Service) GetSMSSandboxAccountStatus(ctx context.Context, in *GetSMSSandboxAccountStatusInput) (*GetSMSSandboxAccountStatusOutput, error) {
	s.mu.RLock()
	v := s.sms.inSandbox
	s.mu.RUnlock()
	return &GetSMSSandboxAccountStatusOutput{IsInSandbox: &v}, nil
}

// SetSMSSandbox moves the account into or out of the SMS sandbox (on AWS a
// support case does), for tests.
func (s *Service) SetSMSSandbox(in bool) {
	s.mu.Lock()
	s.sms.inSandbox = in
	s.putSMSLocked()
	s.mu.Unlock()
}

// SandboxOneTimePassword returns the one-time password last sent to a
// sandbox number, for tests playing the phone's owner.
func (s *Service) SandboxOneTimePassword(number string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.sms.sandbox[number]
	if n == nil || n.verified {
		return "", false
	}
	return n.otp, true
}

// sandboxAllows reports whether publishing may text number: any number
// outside the sandbox, only verified ones inside it.
func (s *Service) sandboxAllows(number string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.sms.inSandbox {
		return true
	}
	n := s.sms.sandbox[number]
	return n != nil && n.verified
}

func oneTimePassword() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "123456"
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func errSandboxNumberNotFound() *awsapi.Error {
	// unverified: wording
	return &awsapi.Error{Code: codeResourceNotFound, Message: "Phone number does not exist in the SMS sandbox", Status: http.StatusNotFound}
}

// CreateSMSSandboxPhoneNumber adds a destination number to the sandbox and
// sends it a one-time password (read it with SandboxOneTimePassword).
func (s *Service) CreateSMSSandboxPhoneNumber(ctx context.Context, in *CreateSMSSandboxPhoneNumberInput) (*CreateSMSSandboxPhoneNumberOutput, error) {
	number := str(in.PhoneNumber)
	if err := checkPhone(number); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, out := s.sms.optedOut[number]; out {
		return nil, &awsapi.Error{Code: codeOptedOut, Message: "Phone number is opted out"} // unverified: wording
	}
	if n := s.sms.sandbox[number]; n != nil {
		if !n.verified {
			n.otp = oneTimePassword()
			s.putSandboxLocked(number, n)
		}
		return &CreateSMSSandboxPhoneNumberOutput{}, nil
	}
	if len(s.sms.sandbox) >= maxSandboxNumbers {
		// unverified: wording
		return nil, &awsapi.Error{Code: codeUserError, Message: "You have reached the maximum number of sandbox destination phone numbers"}
	}
	n := &sandboxNumber{seq: s.nextSeqLocked(), otp: oneTimePassword()}
	s.sms.sandbox[number] = n
	s.putSandboxLocked(number, n)
	return &CreateSMSSandboxPhoneNumberOutput{}, nil
}

// VerifySMSSandboxPhoneNumber verifies a sandbox number with its one-time
// password.
func (s *Service) VerifySMSSandboxPhoneNumber(ctx context.Context, in *VerifySMSSandboxPhoneNumberInput) (*VerifySMSSandboxPhoneNumberOutput, error) {
	number := str(in.PhoneNumber)
	if err := checkPhone(number); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.sms.sandbox[number]
	if n == nil {
		return nil, errSandboxNumberNotFound()
	}
	if n.verified {
		return &VerifySMSSandboxPhoneNumberOutput{}, nil
	}
	if str(in.OneTimePassword) != n.otp {
		// unverified: wording
		return nil, &awsapi.Error{Code: codeVerification, Message: "Invalid one-time password", Fields: map[string]any{"Status": "Pending"}}
	}
	n.verified, n.otp = true, ""
	s.putSandboxLocked(number, n)
	return &VerifySMSSandboxPhoneNumberOutput{}, nil
}

// DeleteSMSSandboxPhoneNumber removes a number from the sandbox.
func (s *Service) DeleteSMSSandboxPhoneNumber(ctx context.Context, in *DeleteSMSSandboxPhoneNumberInput) (*DeleteSMSSandboxPhoneNumberOutput, error) {
	number := str(in.PhoneNumber)
	if err := checkPhone(number); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sms.sandbox[number] == nil {
		return nil, errSandboxNumberNotFound()
	}
	delete(s.sms.sandbox, number)
	s.putSandboxLocked(number, nil)
	return &DeleteSMSSandboxPhoneNumberOutput{}, nil
}

// ListSMSSandboxPhoneNumbers lists the sandbox numbers and their status.
func (s *Service) ListSMSSandboxPhoneNumbers(ctx context.Context, in *ListSMSSandboxPhoneNumbersInput) (*ListSMSSandboxPhoneNumbersOutput, error) {
	size := maxSandboxPage
	if in.MaxResults != nil {
		size = int(*in.MaxResults)
	}
	s.mu.RLock()
	items := make([]paged[SMSSandboxPhoneNumber], 0, len(s.sms.sandbox))
	for num, n := range s.sms.sandbox {
		st := SMSSandboxPhoneNumberVerificationStatus("Pending")
		if n.verified {
			st = "Verified"
		}
		items = append(items, paged[SMSSandboxPhoneNumber]{seq: n.seq, item: SMSSandboxPhoneNumber{PhoneNumber: ptr(num), Status: st}})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	return &ListSMSSandboxPhoneNumbersOutput{PhoneNumbers: out, NextToken: next}, nil
}

// ListOriginationNumbers lists the account's origination numbers; the
// emulator provisions none.
func (s *Service) ListOriginationNumbers(ctx context.Context, in *ListOriginationNumbersInput) (*ListOriginationNumbersOutput, error) {
	return &ListOriginationNumbersOutput{PhoneNumbers: []PhoneNumberInformation{}}, nil
}
