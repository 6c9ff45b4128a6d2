package provision

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// MaxFileSize bounds a provisioning file and each schema file it names.
const MaxFileSize = 16 << 20

// Error is a problem at a line of a provisioning file: a YAML error, a
// setting that makes no sense, or an operation that failed when applying.
type Error struct {
	File string
	Line int // 1-based; 0 when unknown
	Msg  string
	Err  error // the underlying error (e.g. the AWS error), if any
}

// Error implements error as "file:line: message".
func (e *Error) Error() string {
	msg := e.Msg
	if e.Err != nil {
		cause := e.Err.Error()
		if ae, ok := awsapi.AsError(e.Err); ok {
			// The code a client sees (SQS answers query-compatible codes).
			cause = ae.WireQueryCode()
			if ae.Message != "" {
				cause += ": " + ae.Message
			}
		}
		if msg == "" {
			msg = cause
		} else {
			msg += ": " + cause
		}
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
	}
	return e.File + ": " + msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem Parse found, in line order.
type Errors []*Error

// Error implements error, one problem a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Load reads and parses the provisioning file at path.
func Load(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("provisioning file: %w", err)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("provisioning file %s: larger than %d bytes", path, MaxFileSize)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("provisioning file: %w", err)
	}
	return Parse(path, src)
}

// Parse parses a provisioning file's contents. name is used in messages;
// relative paths in the file (schema files, zips) are resolved against
// name's directory, which must exist for files to be found. A problem
// comes back as *Error (YAML syntax or type) or Errors (settings).
func Parse(name string, src []byte) (*File, error) {
	f := &File{name: name, dir: filepath.Dir(name)}
	if err := yaml.UnmarshalWithOptions(src, f, yaml.Strict(), yaml.AllowFieldPrefixes("x-")); err != nil {
		return nil, yamlError(name, err)
	}
	tree, err := parser.ParseBytes(src, 0)
	if err != nil { // the decoder parsed it already; this cannot differ
		return nil, yamlError(name, err)
	}
	c := &checker{f: f, tree: tree}
	c.check()
	if len(c.errs) > 0 {
		sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Line < c.errs[j].Line })
		return nil, c.errs
	}
	return f, nil
}

// yamlError turns a go-yaml error into an *Error naming the line, with a
// message that speaks of the file rather than of Go types.
func yamlError(name string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: name, Msg: "invalid YAML", Err: err}
	}
	line := 0
	tok := ye.GetToken()
	if tok != nil && tok.Position != nil {
		line = tok.Position.Line
	}
	msg := ye.GetMessage()
	var te *yaml.TypeError
	var oe *yaml.OverflowError
	var ue *yaml.UnexpectedNodeTypeError
	switch {
	case errors.As(err, &te):
		got := "a " + strings.TrimPrefix(reflectKind(te.SrcType), "a ")
		if tok != nil && tok.Value != "" && kindOf(te.SrcType) != reflect.Slice && kindOf(te.SrcType) != reflect.Map {
			got = fmt.Sprintf("%q", tok.Value)
		}
		msg = fmt.Sprintf("want %s, got %s", reflectKind(te.DstType), got)
	case errors.As(err, &oe):
		msg = fmt.Sprintf("%s is out of range for %s", oe.SrcNum, reflectKind(oe.DstType))
	case errors.As(err, &ue):
		msg = fmt.Sprintf("want %s, got %s", nodeKind(ue.Expected), nodeKind(ue.Actual))
	}
	return &Error{File: name, Line: line, Msg: msg}
}

func kindOf(t reflect.Type) reflect.Kind {
	if t == nil {
		return reflect.Invalid
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind()
}

// reflectKind names what a Go type accepts in YAML terms.
func reflectKind(t reflect.Type) string {
	switch kindOf(t) {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct, reflect.Interface:
		return "a mapping"
	default:
		return "a value"
	}
}

func nodeKind(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.StringType:
		return "a string"
	case ast.IntegerType:
		return "a whole number"
	case ast.FloatType:
		return "a number"
	case ast.BoolType:
		return "true or false"
	case ast.NullType:
		return "nothing"
	default:
		return strings.ToLower(t.String())
	}
}
