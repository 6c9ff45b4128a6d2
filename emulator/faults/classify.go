package faults

import (
	"net/http"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// isThrottle reports whether aws-sdk-go-v2's standard retryer treats
// code as throttling (aws/retry DefaultThrottleErrorCodes); it retries it.
func isThrottle(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
		"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
		"SlowDown", "PriorRequestNotComplete", "EC2ThrottledException":
		return true
	}
	return false
}

// serverStatus is the status of a server-side fault code the models leave
// without one (awsJson services): 500, or 503 for unavailability; 0 for
// other codes.
func serverStatus(code string) int {
	switch code {
	case "InternalFailure", "InternalFailureException", "InternalError", "InternalErrorException",
		"InternalException", "InternalServiceException", "InternalServerException", "InternalServerError",
		"InternalServerErrorException", "ServiceException", "KMSInternalException":
		return http.StatusInternalServerError
	case "ServiceUnavailable", "ServiceUnavailableException":
		return http.StatusServiceUnavailable
	}
	return 0
}

// Retryable reports whether aws-sdk-go-v2's standard retryer retries an
// error with code and HTTP status, and whether it counts as throttling.
func Retryable(code string, status int) (retry, throttle bool) {
	if isThrottle(code) {
		return true, true
	}
	switch status {
	case 500, 502, 503, 504:
		return true, false
	}
	// DefaultRetryableErrorCodes.
	return code == "RequestTimeout" || code == "RequestTimeoutException", false
}

// DefaultStatus is the HTTP status AWS answers code with when no model
// says: 429 for Lambda's and SNS's TooManyRequests and Throttled, 5xx for
// server-side faults, else 400 (awsJson and awsQuery services send their
// throttling errors with 400).
func DefaultStatus(code string) int {
	if s := serverStatus(code); s != 0 {
		return s
	}
	switch code {
	case "TooManyRequestsException", "Throttled":
		return http.StatusTooManyRequests
	}
	return http.StatusBadRequest
}

// errorFor builds the AWS error for code on service: the model's shape
// when it names code (by shape name or by its query code), its status and
// side; status, when set, wins.
func (f *Faults) errorFor(service, code, message string, status int) *awsapi.Error {
	e := &awsapi.Error{Code: code, Message: message}
	found := false
	if d := f.descs[service]; d != nil {
		for i := range d.Errors {
			sh := &d.Errors[i]
			if sh.Name == code || (sh.Code != "" && sh.Code == code) {
				e.Code, e.QueryCode, found = sh.Name, sh.Code, true
				e.Status, e.Receiver = sh.HTTPStatus, !sh.SenderFault && sh.HTTPStatus >= 500
				break
			}
		}
	}
	if !found || e.Status == 0 {
		e.Status = DefaultStatus(code)
	}
	if status != 0 {
		e.Status = status
	}
	if e.Status >= 500 {
		e.Receiver = true
	}
	if e.Message == "" {
		e.Message = defaultMessage(code)
	}
	return e
}

// defaultMessage is the text of an injected error without a message.
func defaultMessage(code string) string {
	switch {
	case code == "TooManyRequestsException":
		return "Rate Exceeded." // unverified: Lambda's throttling text
	case code == "ProvisionedThroughputExceededException":
		return "Rate exceeded for shard." // unverified: Kinesis names the shard, stream and account
	case isThrottle(code), code == "Throttled":
		return "Rate exceeded"
	case strings.HasPrefix(code, "Internal"), code == "ServiceException":
		return "The request processing has failed because of an unknown error, exception or failure."
	case strings.Contains(code, "Unavailable"):
		return "The service is unavailable. Please try again later." // unverified
	}
	return "evolvestack injected fault"
}

// entryFaultFor is the failure of one batch entry: code when set, else
// the code the operation's entries fail with when the service is at
// fault. Kinesis PutRecords records fail with
// ProvisionedThroughputExceededException or InternalFailure (the
// PutRecordsResultEntry reference); EventBridge PutEvents entries list
// ThrottlingException and InternalFailure as retryable
// (PutEventsResultEntry); SQS batch entries fail server-side with
// InternalError and SenderFault false (aws/aws-sdk-java#2562, seen from
// SendMessageBatch). A Kinesis throughput failure keeps an empty message:
// the service words it with the record's shard, as Kinesis does.
func entryFaultFor(service, op, code, message string) awsapi.EntryFault {
	ef := awsapi.EntryFault{Code: code, Message: message}
	if ef.Code == "" {
		switch service {
		case "kinesis":
			ef.Code = "ProvisionedThroughputExceededException"
		case "events":
			ef.Code = "ThrottlingException"
		case "sns":
			ef.Code = "InternalError" // unverified: SNS PublishBatch entries' server-side code (SQS's, and SNS's InternalErrorException)
		default: // sqs
			ef.Code = "InternalError"
		}
	}
	if ef.Message == "" {
		switch {
		case service == "kinesis" && ef.Code == "ProvisionedThroughputExceededException":
		case service == "kinesis" && ef.Code == "InternalFailure":
			ef.Message = "Internal service failure." // the PutRecords reference's example response
		default:
			ef.Message = defaultMessage(ef.Code)
		}
	}
	switch ef.Code {
	case "InternalError", "InternalFailure", "ServiceUnavailable":
	default:
		ef.SenderFault = !isThrottle(ef.Code) && DefaultStatus(ef.Code) < 500
	}
	return ef
}

// lambdaFaultFor is how an invocation fails for kind. Lambda words the
// invocation's errorMessage from it: "RequestId: <id> Error: " and Message
// for crash and oom, Message and "after N.00 seconds" for timeout, Message
// as it is for error.
func lambdaFaultFor(kind, message string) *awsapi.LambdaFault {
	lf := &awsapi.LambdaFault{Kind: kind, Message: message}
	switch kind {
	case LambdaThrottle:
		lf.ErrorType = "TooManyRequestsException"
		if lf.Message == "" {
			lf.Message = "Rate Exceeded."
		}
		lf.Error = &awsapi.Error{Code: "TooManyRequestsException", Message: lf.Message, Status: http.StatusTooManyRequests,
			Fields: map[string]any{"Type": "User", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}} // unverified: Reason
	case LambdaTimeout:
		lf.ErrorType = "Sandbox.Timedout"
		if lf.Message == "" {
			lf.Message = "Task timed out" // Lambda adds "after N.00 seconds"
		}
	case LambdaCrash:
		lf.ErrorType = "Runtime.ExitError"
		if lf.Message == "" {
			lf.Message = "Runtime exited with error: exit status 1"
		}
	case LambdaOOM:
		// Current runtimes report Runtime.OutOfMemory; older ones
		// Runtime.ExitError, with the same text.
		lf.ErrorType = "Runtime.OutOfMemory" // unverified: the text of Runtime.OutOfMemory
		if lf.Message == "" {
			lf.Message = "Runtime exited with error: signal: killed"
		}
	default:
		lf.ErrorType = "Error"
		if lf.Message == "" {
			lf.Message = "evolvestack injected function error"
		}
	}
	return lf
}
