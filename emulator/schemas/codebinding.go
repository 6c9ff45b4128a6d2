package schemas

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Code bindings: PutCodeBinding starts generating source for a schema
// version in one language; it is CREATE_IN_PROGRESS until
// CodeBindingDelay of virtual time has passed, then CREATE_COMPLETE (or
// CREATE_FAILED when the content cannot be turned into code), and
// GetCodeBindingSource returns the zip.

// CodeBindingDelay is how long a code binding stays CREATE_IN_PROGRESS.
// unverified: AWS takes a few seconds.
const CodeBindingDelay = 2 * time.Second

const codeBindingKey = "codebindings"

type codeBindingState struct {
	mu       sync.Mutex
	bindings map[string]*codeBinding // registry \x00 schema \x00 version \x00 language
}

type codeBinding struct {
	created time.Time
	version string
	zip     []byte
	failed  bool
}

func (s *Service) codeBindings() *codeBindingState {
	return s.extension(codeBindingKey, func() any {
		return &codeBindingState{bindings: map[string]*codeBinding{}}
	}).(*codeBindingState)
}

func (b *codeBinding) status(now time.Time) CodeGenerationStatus {
	switch {
	case now.Before(b.created.Add(CodeBindingDelay)):
		return CodeGenerationStatusCreateInProgress
	case b.failed:
		return CodeGenerationStatusCreateFailed
	}
	return CodeGenerationStatusCreateComplete
}

func errUnknownLanguage(l string) error {
	// unverified: AWS's wording.
	return errBadRequest("Invalid language %s. Valid values are: Java8, Python36, TypeScript3, Go1.", l)
}

func errCodeBindingNotFound(schema, version, lang string) error {
	// unverified: AWS's wording.
	return errNotFound("Code binding for schema %s, version %s and language %s does not exist.", schema, version, lang)
}

// resolveVersion returns the version id and content of a schema version
// ("" = latest) and its type.
func (s *Service) resolveVersion(ctx context.Context, registry, schema string, version *string) (id, content, typ string, err error) {
	d, err := s.DescribeSchema(ctx, &DescribeSchemaInput{RegistryName: &registry, SchemaName: &schema, SchemaVersion: version})
	if err != nil {
		return "", "", "", err
	}
	return dscDeref(d.SchemaVersion), dscDeref(d.Content), dscDeref(d.Type), nil
}

// PutCodeBinding starts generating a code binding. Putting one that
// exists again is a ConflictException (the model does not list it, but
// the SAM CLI's schemas_api_caller.put_code_binding expects exactly that
// error from AWS and ignores it); a failed one is generated afresh.
func (s *Service) PutCodeBinding(ctx context.Context, in *PutCodeBindingInput) (*PutCodeBindingOutput, error) {
	lang := dscDeref(in.Language)
	if !knownLanguage(lang) {
		return nil, errUnknownLanguage(lang)
	}
	reg, name := dscDeref(in.RegistryName), dscDeref(in.SchemaName)
	version, content, typ, err := s.resolveVersion(ctx, reg, name, in.SchemaVersion)
	if err != nil {
		return nil, err
	}
	st := s.codeBindings()
	key := reg + "\x00" + name + "\x00" + version + "\x00" + lang
	// In UTC, so that a restore generates the same zip (its entries carry
	// the time in their location).
	now := s.discoveryNow().UTC()
	st.mu.Lock()
	b, ok := st.bindings[key]
	if ok && !b.failed {
		st.mu.Unlock()
		// unverified: AWS's wording.
		return nil, errConflict("Code binding for schema %s, version %s and language %s already exists.", name, version, lang)
	}
	b = &codeBinding{created: now, version: version}
	m, err := buildBindingModel(name, typ, content)
	if err == nil {
		b.zip, err = generateBinding(m, lang, now)
	}
	if err != nil {
		if !errors.Is(err, errUnsupportedContent) && !errors.Is(err, errTooDeep) {
			st.mu.Unlock()
			return nil, err
		}
		b.failed = true
	}
	st.bindings[key] = b
	s.saveCodeBindingLocked(key, b)
	st.mu.Unlock()
	return &PutCodeBindingOutput{CreationDate: dscTime(b.created), LastModified: dscTime(b.created), SchemaVersion: dscStr(b.version), Status: b.status(now)}, nil
}

func (s *Service) lookupCodeBinding(ctx context.Context, reg, name, lang string, version *string) (*codeBinding, error) {
	if !knownLanguage(lang) {
		return nil, errUnknownLanguage(lang)
	}
	v, _, _, err := s.resolveVersion(ctx, reg, name, version)
	if err != nil {
		return nil, err
	}
	st := s.codeBindings()
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.bindings[reg+"\x00"+name+"\x00"+v+"\x00"+lang]
	if !ok {
		return nil, errCodeBindingNotFound(name, v, lang)
	}
	return b, nil
}

// DescribeCodeBinding returns a code binding's state.
func (s *Service) DescribeCodeBinding(ctx context.Context, in *DescribeCodeBindingInput) (*DescribeCodeBindingOutput, error) {
	b, err := s.lookupCodeBinding(ctx, dscDeref(in.RegistryName), dscDeref(in.SchemaName), dscDeref(in.Language), in.SchemaVersion)
	if err != nil {
		return nil, err
	}
	return &DescribeCodeBindingOutput{CreationDate: dscTime(b.created), LastModified: dscTime(b.created), SchemaVersion: dscStr(b.version),
		Status: b.status(s.discoveryNow())}, nil
}

// GetCodeBindingSource returns the zip of a completed code binding.
func (s *Service) GetCodeBindingSource(ctx context.Context, in *GetCodeBindingSourceInput) (*GetCodeBindingSourceOutput, error) {
	b, err := s.lookupCodeBinding(ctx, dscDeref(in.RegistryName), dscDeref(in.SchemaName), dscDeref(in.Language), in.SchemaVersion)
	if err != nil {
		return nil, err
	}
	if b.status(s.discoveryNow()) != CodeGenerationStatusCreateComplete {
		// unverified: what AWS answers before the binding is complete.
		return nil, errNotFound("Code binding for schema %s, version %s and language %s is not available; its status is %s.",
			dscDeref(in.SchemaName), b.version, dscDeref(in.Language), b.status(s.discoveryNow()))
	}
	return &GetCodeBindingSourceOutput{Body: b.zip}, nil
}

func dscTime(t time.Time) *time.Time { return &t }
