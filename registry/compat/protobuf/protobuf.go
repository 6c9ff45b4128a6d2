// Package protobuf is the PROTOBUF implementation of compat.Format: it
// compiles a single .proto definition in memory (proto2 or proto3, with the
// google/protobuf well-known types importable), gives it a canonical form and
// checks whether data written with one definition can be read with another.
//
// Parse refuses definitions past the limits of scan.go before the compiler
// sees them.
package protobuf

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// invalidPrefix is how Glue starts the message of an InvalidInputException
// for a PROTOBUF definition it cannot parse.
const invalidPrefix = "Schema definition of PROTOBUF data format is invalid: "

// maxReportedErrors caps how many compiler errors one ParseError lists.
const maxReportedErrors = 10

// compileTimeout guards against pathological input keeping the compiler busy.
const compileTimeout = 10 * time.Second

// wellKnownImport reports whether path is one of the google/protobuf files a
// definition may import. It mirrors the set Glue's parser resolves: the
// well-known types and descriptor.proto.
func wellKnownImport(path string) bool {
	switch path {
	case "google/protobuf/any.proto",
		"google/protobuf/api.proto",
		"google/protobuf/descriptor.proto",
		"google/protobuf/duration.proto",
		"google/protobuf/empty.proto",
		"google/protobuf/field_mask.proto",
		"google/protobuf/source_context.proto",
		"google/protobuf/struct.proto",
		"google/protobuf/timestamp.proto",
		"google/protobuf/type.proto",
		"google/protobuf/wrappers.proto":
		return true
	}
	return false
}

// ParseError reports an invalid PROTOBUF definition. Its Error text is the
// message Glue returns with InvalidInputException.
type ParseError struct {
	// Detail is the part after Glue's fixed prefix.
	Detail string
	// Err is the underlying compiler error, if any.
	Err error
}

// Error returns Glue's wording for an invalid PROTOBUF definition.
func (e *ParseError) Error() string { return invalidPrefix + e.Detail }

// Unwrap returns the underlying compiler error.
func (e *ParseError) Unwrap() error { return e.Err }

// Format implements compat.Format for PROTOBUF. The zero value is ready to
// use and holds no state.
type Format struct{}

// New returns the PROTOBUF format.
func New() compat.Format { return Format{} }

// Name returns "PROTOBUF".
func (Format) Name() string { return "PROTOBUF" }

// Schema is a compiled PROTOBUF definition. It is immutable.
type Schema struct {
	file      protoreflect.FileDescriptor
	canonical string
	names     []string

	modelOnce sync.Once
	built     *pfile
}

// Canonical returns the syntax, a colon and the compiled file descriptor
// without its name, source positions or comments, marshalled
// deterministically and base64-encoded.
func (s *Schema) Canonical() string { return s.canonical }

// File returns the compiled descriptor of the definition.
func (s *Schema) File() protoreflect.FileDescriptor { return s.file }

// MessageNames returns the full names of every message the definition
// declares, nested ones and map entries included, sorted lexicographically:
// the position of a name is its message index on the wire.
func (s *Schema) MessageNames() []string {
	return append([]string(nil), s.names...)
}

// Parse compiles definition as a single .proto file.
func (f Format) Parse(definition string) (sch compat.Schema, err error) {
	defer func() {
		if p := recover(); p != nil {
			sch = nil
			err = &ParseError{Detail: fmt.Sprintf("internal parser failure: %v", p)}
		}
	}()
	s, err := parse(definition)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// fileName is where Glue's loader places a definition: under the package's
// directories, named default.proto.
func fileName(pkg string) string {
	if pkg == "" {
		return "default.proto"
	}
	return strings.ReplaceAll(pkg, ".", "/") + "/default.proto"
}

// errorCollector gathers every error the compiler reports.
type errorCollector struct {
	msgs []string
}

// reporter collects errors and stops the compiler at the last one it
// reports: the work on a definition with many errors stays bounded.
func (c *errorCollector) reporter() reporter.Reporter {
	return reporter.NewReporter(func(err reporter.ErrorWithPos) error {
		c.msgs = append(c.msgs, err.Error())
		if len(c.msgs) >= maxReportedErrors {
			return err
		}
		return nil
	}, nil)
}

func (c *errorCollector) detail(fallback error) string {
	if len(c.msgs) > 0 {
		return strings.Join(c.msgs, "\n")
	}
	if fallback != nil {
		return fallback.Error()
	}
	return "unknown error"
}

func parse(definition string) (*Schema, error) {
	// The scan refuses definitions that would make the compiler's work or
	// memory blow up, and finds the package, which decides the file name
	// the compiler and its errors use.
	scanned, err := scanProto(definition, defaultLimits)
	if err != nil {
		return nil, &ParseError{Detail: err.Error(), Err: err}
	}
	name := fileName(scanned.pkg)
	node, err := parseAST(name, definition)
	if err != nil {
		return nil, err
	}
	pkg, imports := header(node)
	if pkg != scanned.pkg {
		// The scan misread the package statement: parse again under the
		// name the compiler needs.
		name = fileName(pkg)
		if node, err = parseAST(name, definition); err != nil {
			return nil, err
		}
	}
	if missing := missingImports(imports, name); missing != "" {
		return nil, &ParseError{Detail: missing}
	}

	var cc errorCollector
	comp := protocompile.Compiler{
		// The compiler links the AST parsed above rather than parsing the
		// definition a second time.
		Resolver: protocompile.WithStandardImports(protocompile.ResolverFunc(func(path string) (protocompile.SearchResult, error) {
			if path == name {
				return protocompile.SearchResult{AST: node}, nil
			}
			return protocompile.SearchResult{}, fmt.Errorf("file %q not found", path)
		})),
		MaxParallelism: 1,
		Reporter:       cc.reporter(),
		SourceInfoMode: protocompile.SourceInfoNone,
	}
	ctx, cancel := context.WithTimeout(context.Background(), compileTimeout)
	defer cancel()
	files, cerr := comp.Compile(ctx, name)
	if cerr != nil || len(cc.msgs) > 0 || len(files) != 1 {
		if cerr == nil {
			cerr = errors.New("compilation produced no file")
		}
		return nil, &ParseError{Detail: cc.detail(cerr), Err: cerr}
	}
	fd := files[0]
	if detail := unsupported(fd); detail != "" {
		return nil, &ParseError{Detail: detail}
	}
	canonical, err := canonicalForm(fd)
	if err != nil {
		return nil, &ParseError{Detail: err.Error(), Err: err}
	}
	return &Schema{file: fd, canonical: canonical, names: MessageNames(fd)}, nil
}

// parseAST parses definition as the file name. Its syntax errors name the
// file default.proto, whatever the package, as they always have.
func parseAST(name, definition string) (*ast.FileNode, error) {
	var pc errorCollector
	node, err := parser.Parse(name, strings.NewReader(definition), reporter.NewHandler(pc.reporter()))
	if err == nil && len(pc.msgs) == 0 {
		return node, nil
	}
	detail := pc.detail(err)
	if name != "default.proto" {
		detail = strings.ReplaceAll(detail, name+":", "default.proto:")
	}
	return nil, &ParseError{Detail: detail, Err: err}
}

// header returns the package and the imported paths declared in node.
func header(node *ast.FileNode) (string, []string) {
	var pkg string
	var imports []string
	if node == nil {
		return "", nil
	}
	for _, decl := range node.Decls {
		switch d := decl.(type) {
		case *ast.PackageNode:
			if d.Name != nil && pkg == "" {
				pkg = string(d.Name.AsIdentifier())
			}
		case *ast.ImportNode:
			if d.Name != nil {
				imports = append(imports, d.Name.AsString())
			}
		}
	}
	return pkg, imports
}

// missingImports describes, in Glue's wording, every import that cannot be
// resolved; "" when all can.
func missingImports(imports []string, file string) string {
	var b strings.Builder
	for _, imp := range imports {
		if wellKnownImport(imp) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "unable to find %s\n  searching 1 proto paths:\n    /\n  for file %s", imp, file)
	}
	return b.String()
}

// unsupported describes the first construct Glue does not accept (editions,
// groups, extensions); "" when there is none.
func unsupported(fd protoreflect.FileDescriptor) string {
	switch fd.Syntax() {
	case protoreflect.Proto2, protoreflect.Proto3:
	default:
		return fmt.Sprintf("%s are not supported; declare syntax \"proto2\" or \"proto3\"", fd.Syntax())
	}
	if fd.Extensions().Len() > 0 {
		return fmt.Sprintf("extensions are not supported: %s", fd.Extensions().Get(0).FullName())
	}
	return unsupportedIn(fd.Messages())
}

func unsupportedIn(msgs protoreflect.MessageDescriptors) string {
	for i := 0; i < msgs.Len(); i++ {
		m := msgs.Get(i)
		if m.ExtensionRanges().Len() > 0 {
			return fmt.Sprintf("extensions are not supported: message %s declares an extension range", m.FullName())
		}
		if m.Extensions().Len() > 0 {
			return fmt.Sprintf("extensions are not supported: %s", m.Extensions().Get(0).FullName())
		}
		for j := 0; j < m.Fields().Len(); j++ {
			if fld := m.Fields().Get(j); fld.Kind() == protoreflect.GroupKind {
				return fmt.Sprintf("groups are not supported: %s", fld.FullName())
			}
		}
		if d := unsupportedIn(m.Messages()); d != "" {
			return d
		}
	}
	return ""
}

// canonicalForm marshals the descriptor without its name and source info.
func canonicalForm(fd protoreflect.FileDescriptor) (string, error) {
	var src *descriptorpb.FileDescriptorProto
	if res, ok := fd.(linker.Result); ok {
		src = res.FileDescriptorProto()
	} else {
		src = protodesc.ToFileDescriptorProto(fd)
	}
	// Every field but the name and the source info, sharing (not
	// copying) the compiler's messages: marshalling only reads them.
	fdp := &descriptorpb.FileDescriptorProto{
		Package:          src.Package,
		Dependency:       src.Dependency,
		PublicDependency: src.PublicDependency,
		WeakDependency:   src.WeakDependency,
		MessageType:      src.MessageType,
		EnumType:         src.EnumType,
		Service:          src.Service,
		Extension:        src.Extension,
		Options:          src.Options,
		Edition:          src.Edition,
	}
	// A file without a syntax statement is proto2; say so explicitly so that
	// both spellings share one canonical form.
	fdp.Syntax = proto.String(fd.Syntax().String())
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(fdp)
	if err != nil {
		return "", fmt.Errorf("marshal canonical form: %w", err)
	}
	return fd.Syntax().String() + ":" + base64.StdEncoding.EncodeToString(b), nil
}
