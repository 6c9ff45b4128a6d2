package lambda

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Limits of a function without a capacity provider; the API model allows
// more (5400 s, 32768 MB) for functions on Lambda Managed Instances.
const (
	maxTimeout    = 900
	maxMemorySize = 10240
	maxEnvBytes   = 4096
)

// validRuntimes is the runtime list Lambda's "or be a valid ARN" error
// prints, in Lambda's order.
func validRuntimes() string {
	return "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java17, nodejs16.x, java25, " +
		"dotnet8, python3.10, java11, python3.11, dotnet6, java21, nodejs18.x, provided.al2, ruby3.3, ruby3.4, java8.al2, ruby3.2, python3.8, python3.9]"
}

// deprecatedRuntimes maps runtimes Lambda no longer accepts for new or
// updated functions to the one it recommends instead.
func deprecatedRuntimes() map[Runtime]Runtime {
	return map[Runtime]Runtime{
		RuntimeJava8:        RuntimeJava21,
		RuntimeGo1x:         RuntimeProvidedal2023,
		RuntimeProvided:     RuntimeProvidedal2023,
		RuntimeRuby27:       RuntimeRuby32,
		RuntimeNodejs14x:    RuntimeNodejs20x,
		RuntimePython37:     RuntimePython312,
		RuntimeDotnetcore31: RuntimeDotnet6,
		RuntimeNodejs12x:    RuntimeNodejs18x,
	}
}

// checkRuntime refuses a deprecated runtime for a function being created
// or updated (values outside the model's enum are refused by
// ValidationError).
func checkRuntime(rt Runtime) error {
	if up, ok := deprecatedRuntimes()[rt]; ok {
		return errInvalidParameter("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (%s) while creating or updating functions.", rt, up)
	}
	return nil
}

func errRuntimeEnum(rt string) *awsapi.Error {
	return errInvalidParameter("Value %s at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: %s or be a valid ARN", rt, validRuntimes())
}

// validationException is a Coral constraint violation with one clause.
func validationException(value, path, constraint string) *awsapi.Error {
	return &awsapi.Error{
		Code:    awsapi.ValidationExceptionCode,
		Message: fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, path, constraint),
		Status:  http.StatusBadRequest,
	}
}

// checkLimits refuses a timeout or memory size beyond what a function
// without a capacity provider may have.
func checkLimits(timeout, memory *int32, capacityProvider bool) error {
	if capacityProvider {
		return nil
	}
	if timeout != nil && *timeout > maxTimeout {
		return validationException(strconv.Itoa(int(*timeout)), "timeout", "Member must have value less than or equal to "+strconv.Itoa(maxTimeout))
	}
	if memory != nil && *memory > maxMemorySize {
		return validationException(strconv.Itoa(int(*memory)), "memorySize", "Member must have value less than or equal to "+strconv.Itoa(maxMemorySize))
	}
	return nil
}

// checkEnvironmentSize refuses variables whose JSON form exceeds 4 KB.
func checkEnvironmentSize(vars map[string]string) error {
	if len(vars) == 0 {
		return nil
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(vars); err != nil {
		return fmt.Errorf("lambda: measuring environment: %w", err)
	}
	measured := strings.TrimSuffix(b.String(), "\n")
	if len(measured) > maxEnvBytes {
		return errInvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", measured)
	}
	return nil
}

// ValidationError renders a model-constraint violation as Lambda does: a
// runtime outside the enum is Lambda's own InvalidParameterValueException
// (its model member is a plain string), the timeout and memory bounds are
// those of functions without a capacity provider, an alias's routing
// weights also list the map's non-null constraint, and anything else is
// Coral's ValidationException.
func (s *Service) ValidationError(err error) *awsapi.Error {
	v, ok := awsapi.AsValidationErrors(err)
	if !ok {
		if e, ok := awsapi.AsError(err); ok {
			return e
		}
		return &awsapi.Error{Code: awsapi.ValidationExceptionCode, Message: err.Error(), Status: http.StatusBadRequest}
	}
	var kept []string
	runtime := ""
	for _, it := range v.Violations() {
		switch {
		case it.Path == "runtime" && strings.Contains(it.Constraint, "enum value set"):
			runtime = strings.Trim(it.Value, "'")
			continue
		case it.Path == "timeout" && strings.HasSuffix(it.Constraint, "less than or equal to 5400"):
			it.Constraint = "Member must have value less than or equal to " + strconv.Itoa(maxTimeout)
		case it.Path == "memorySize" && strings.HasSuffix(it.Constraint, "less than or equal to 32768"):
			it.Constraint = "Member must have value less than or equal to " + strconv.Itoa(maxMemorySize)
		case strings.HasSuffix(it.Path, "routingConfig.additionalVersionWeights") && strings.HasSuffix(it.Constraint, "]"):
			// Lambda lists the map's non-null constraint too.
			it.Constraint = strings.TrimSuffix(it.Constraint, "]") + ", Member must not be null]"
		}
		kept = append(kept, it.String())
	}
	if len(kept) == 0 && runtime != "" {
		return errRuntimeEnum(runtime)
	}
	word := " validation errors detected: "
	if len(kept) == 1 {
		word = " validation error detected: "
	}
	return &awsapi.Error{Code: awsapi.ValidationExceptionCode, Message: strconv.Itoa(len(kept)) + word + strings.Join(kept, "; "), Status: http.StatusBadRequest}
}

// errPayloadNotJSON is the InvalidRequestContentException of an Invoke
// payload that is not JSON, worded as Lambda's JSON parser words it.
func errPayloadNotJSON(payload []byte) *awsapi.Error {
	return userError(http.StatusBadRequest, "InvalidRequestContentException",
		"Could not parse request body into json: Could not parse payload into json: %s", jsonParseError(payload))
}

// maxErrorToken and maxSourceChars bound what a parse error quotes.
const (
	maxErrorToken  = 256
	maxSourceBytes = 500
)

// jsonParseError describes why payload is not JSON: the unrecognised
// token or unexpected character where it starts with one, and where.
func jsonParseError(payload []byte) string {
	const expecting = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
	i := 0
	for i < len(payload) && (payload[i] == ' ' || payload[i] == '\t' || payload[i] == '\n' || payload[i] == '\r') {
		i++
	}
	if i >= len(payload) {
		return "No content to map due to end-of-input" + sourceAt(payload, i)
	}
	r, size := utf8.DecodeRune(payload[i:])
	switch {
	case r == '{' || r == '[' || r == '"' || r == '-' || (r >= '0' && r <= '9'):
		// A value that starts well but goes wrong later.
		var anyv any
		err := json.Unmarshal(payload, &anyv)
		msg := "Unexpected content"
		if err != nil {
			msg = err.Error()
		}
		return msg + sourceAt(payload, len(payload))
	case isIdentifierPart(r):
		token := []rune{r}
		j := i + size
		for j < len(payload) {
			c, n := utf8.DecodeRune(payload[j:])
			j += n
			if !isIdentifierPart(c) {
				break
			}
			token = append(token, c)
			if len(token) >= maxErrorToken {
				token = append(token, '.', '.', '.')
				break
			}
		}
		return fmt.Sprintf("Unrecognized token '%s': was expecting %s", string(token), expecting) + sourceAt(payload, j)
	default:
		return fmt.Sprintf("Unexpected character (%s (code %d)): expected a valid value %s", quoteChar(r), r, expecting) + sourceAt(payload, i+size)
	}
}

// isIdentifierPart approximates Java's Character.isJavaIdentifierPart.
func isIdentifierPart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func quoteChar(r rune) string {
	if r < 32 {
		return fmt.Sprintf("CTRL-CHAR, code %d", r)
	}
	return "'" + string(r) + "'"
}

// sourceAt renders the parser location after consuming payload[:pos],
// quoting at most the first 500 bytes of the payload.
func sourceAt(payload []byte, pos int) string {
	if pos > len(payload) {
		pos = len(payload)
	}
	line, col := 1, 1
	for _, c := range payload[:pos] {
		if c == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	src, truncated := payload, ""
	if len(src) > maxSourceBytes {
		src, truncated = src[:maxSourceBytes], fmt.Sprintf("[truncated %d bytes]", len(payload)-maxSourceBytes)
	}
	return fmt.Sprintf("\n at [Source: (byte[])\"%s\"%s; line: %d, column: %d]", src, truncated, line, col)
}
