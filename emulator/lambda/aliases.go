package lambda

import (
	"context"
	"net/http"
	"sort"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// rootOf returns the function ($LATEST) a reference names, whatever its
// qualifier: the alias operations name the alias apart, and the records
// and logs are the function's.
func (s *Service) rootOf(ref string) (*function, error) {
	name, _ := parseFunctionRef(ref)
	return s.mustFunction(ref, name)
}

// mustFunction returns the function called name, or the not-found error
// naming its unqualified ARN.
func (s *Service) mustFunction(ref, name string) (*function, error) {
	if err := s.checkRegion(ref); err != nil {
		return nil, err
	}
	s.mu.Lock()
	fn := s.functions[name]
	s.mu.Unlock()
	if fn == nil {
		return nil, errFunctionNotFound(s.functionArn(name))
	}
	return fn, nil
}

// copyAlias returns a deep copy of an alias configuration.
func copyAlias(a *AliasConfiguration) AliasConfiguration {
	out := *a
	if w := a.RoutingConfig.weights(); len(w) > 0 {
		m := make(map[string]float64, len(w))
		for k, v := range w {
			m[k] = v
		}
		out.RoutingConfig = &AliasRoutingConfiguration{AdditionalVersionWeights: m}
	}
	return out
}

// checkVersionLocked checks that version ($LATEST or a number) exists in
// fn ($LATEST, locked).
func (fn *function) checkVersionLocked(version string) error {
	if version == latest {
		return nil
	}
	if _, ok := fn.versions[version]; !ok {
		return errFunctionNotFound(fn.arn + ":" + version)
	}
	return nil
}

// routingLocked validates an alias's routing configuration for its primary
// version (which exists) as Lambda does and returns what to store (nil when
// there are no additional versions). fn is $LATEST, locked. Weights
// outside [0, 1] and keys that are not version numbers are refused by the
// model's validation.
func (fn *function) routingLocked(rc *AliasRoutingConfiguration, primary string) (*AliasRoutingConfiguration, error) {
	w := rc.weights()
	if len(w) == 0 {
		return nil, nil
	}
	if len(w) > 1 {
		return nil, errInvalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for version := range w {
		if version == primary {
			return nil, errInvalidParameter("Invalid function version %s. Function version %s is already included in routing configuration.", primary, primary)
		}
		if primary == latest {
			// Lambda sends this one without the Type member.
			return nil, &awsapi.Error{Code: CodeInvalidParameterValue, Status: http.StatusBadRequest,
				Message: "$LATEST is not supported for an alias pointing to more than 1 version"}
		}
		if err := fn.checkVersionLocked(version); err != nil {
			return nil, err
		}
		if str(fn.versions[version].config().Role) != str(fn.versions[primary].config().Role) {
			return nil, errInvalidParameter("Specified versions must be associated with the same execution role")
		}
	}
	cp := copyAlias(&AliasConfiguration{RoutingConfig: rc})
	return cp.RoutingConfig, nil
}

// CreateAlias creates an alias for a version ($LATEST or a published
// version), optionally routing a share of invocations to a second version.
func (s *Service) CreateAlias(ctx context.Context, in *CreateAliasInput) (*CreateAliasOutput, error) {
	name, _ := parseFunctionRef(str(in.FunctionName))
	if err := s.checkRegion(str(in.FunctionName)); err != nil {
		return nil, err
	}
	version := str(in.FunctionVersion)
	s.mu.Lock()
	fn := s.functions[name]
	s.mu.Unlock()
	if fn == nil {
		return nil, errFunctionNotFound(s.functionArn(name) + ":" + version)
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if err := fn.checkVersionLocked(version); err != nil {
		return nil, err
	}
	aliasName := str(in.Name)
	arn := fn.arn + ":" + aliasName
	if _, ok := fn.aliases[aliasName]; ok {
		return nil, errConflict("Alias already exists: %s", arn)
	}
	routing, err := fn.routingLocked(in.RoutingConfig, version)
	if err != nil {
		return nil, err
	}
	a := &AliasConfiguration{
		AliasArn:        ptr(arn),
		Name:            ptr(aliasName),
		FunctionVersion: ptr(version),
		Description:     ptr(str(in.Description)),
		RoutingConfig:   routing,
		RevisionId:      ptr(uuid.NewString()),
	}
	fn.aliases[aliasName] = a
	fn.persistLocked()
	out := CreateAliasOutput(copyAlias(a))
	return &out, nil
}

// GetAlias returns an alias.
func (s *Service) GetAlias(ctx context.Context, in *GetAliasInput) (*GetAliasOutput, error) {
	fn, err := s.rootOf(str(in.FunctionName))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	a := fn.aliases[str(in.Name)]
	if a == nil {
		return nil, errResourceNotFound("Cannot find alias arn: %s:%s", fn.arn, str(in.Name))
	}
	out := GetAliasOutput(copyAlias(a))
	return &out, nil
}

// UpdateAlias changes an alias's version, description or routing; every
// update gives the alias a new revision.
func (s *Service) UpdateAlias(ctx context.Context, in *UpdateAliasInput) (*UpdateAliasOutput, error) {
	fn, err := s.rootOf(str(in.FunctionName))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	cur := fn.aliases[str(in.Name)]
	if cur == nil {
		return nil, errResourceNotFound("Alias not found: %s:%s", fn.arn, str(in.Name))
	}
	if rev := str(in.RevisionId); rev != "" && rev != str(cur.RevisionId) {
		return nil, errPrecondition()
	}
	next := copyAlias(cur)
	if in.FunctionVersion != nil {
		if err := fn.checkVersionLocked(*in.FunctionVersion); err != nil {
			return nil, err
		}
		next.FunctionVersion = ptr(*in.FunctionVersion)
	}
	if in.Description != nil {
		next.Description = ptr(*in.Description)
	}
	rc := next.RoutingConfig
	if in.RoutingConfig != nil {
		rc = in.RoutingConfig // an empty one removes the routing
	}
	routing, err := fn.routingLocked(rc, str(next.FunctionVersion))
	if err != nil {
		return nil, err
	}
	next.RoutingConfig = routing
	next.RevisionId = ptr(uuid.NewString())
	fn.aliases[str(in.Name)] = &next
	fn.persistLocked()
	out := UpdateAliasOutput(copyAlias(&next))
	return &out, nil
}

// DeleteAlias deletes an alias with its event invoke config and policy;
// deleting an alias that does not exist succeeds, as in Lambda.
func (s *Service) DeleteAlias(ctx context.Context, in *DeleteAliasInput) (*DeleteAliasOutput, error) {
	fn, err := s.rootOf(str(in.FunctionName))
	if err != nil {
		return nil, err
	}
	name := str(in.Name)
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if _, ok := fn.aliases[name]; ok {
		delete(fn.aliases, name)
		delete(fn.invoke, name)
		delete(fn.policies, name)
		fn.persistLocked()
	}
	return &DeleteAliasOutput{}, nil
}

// ListAliases lists a function's aliases by name, optionally only those
// whose primary version is FunctionVersion, at most 50 a page.
func (s *Service) ListAliases(ctx context.Context, in *ListAliasesInput) (*ListAliasesOutput, error) {
	fn, err := s.rootOf(str(in.FunctionName))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	all := make([]AliasConfiguration, 0, len(fn.aliases))
	for _, a := range fn.aliases {
		if v := str(in.FunctionVersion); v != "" && str(a.FunctionVersion) != v {
			continue
		}
		all = append(all, copyAlias(a))
	}
	fn.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return str(all[i].Name) < str(all[j].Name) })
	page, next := paginate(all, func(a AliasConfiguration) string { return str(a.AliasArn) }, str(in.Marker), in.MaxItems, 50,
		func(a AliasConfiguration, marker string) bool {
			_, q := parseFunctionRef(marker)
			return str(a.Name) > q
		})
	return &ListAliasesOutput{Aliases: page, NextMarker: next}, nil
}
