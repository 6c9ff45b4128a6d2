package lambda

import (
	"context"
	"sort"
)

// invokeKey is the key of a qualifier's event invoke config: the
// unqualified function's is $LATEST's.
func invokeKey(qualifier string) string {
	if qualifier == "" {
		return latest
	}
	return qualifier
}

// eventInvokeTarget resolves the function ($LATEST) and the config key of
// an event invoke config call: $LATEST, a version or an alias.
func (s *Service) eventInvokeTarget(nameOrArn, qualifier string) (*function, string, error) {
	name, q := parseFunctionRef(nameOrArn)
	if qualifier == "" {
		qualifier = q
	}
	s.mu.Lock()
	fn := s.functions[name]
	s.mu.Unlock()
	if fn == nil || !fn.hasQualifier(qualifier) {
		return nil, "", errResourceNotFound("The function doesn't exist.")
	}
	return fn, invokeKey(qualifier), nil
}

func (s *Service) noEventInvokeConfig(name, qualifier string) error {
	if qualifier == "" {
		qualifier = latest
	}
	return errResourceNotFound("The function %s doesn't have an EventInvokeConfig", s.functionArn(name)+":"+qualifier)
}

// validateDestinations checks a destination config's ARNs.
func (s *Service) validateDestinations(fnName string, d *DestinationConfig) error {
	if d == nil {
		return nil
	}
	check := func(arn string) bool {
		if arn == "" {
			return true
		}
		switch arnService(arn) {
		case "sqs", "sns", "events", "s3":
			return true
		case "lambda":
			name, _ := parseFunctionRef(arn)
			if name == fnName {
				return false
			}
			return true
		}
		return false
	}
	var succ, fail string
	if d.OnSuccess != nil {
		succ = str(d.OnSuccess.Destination)
	}
	if d.OnFailure != nil {
		fail = str(d.OnFailure.Destination)
	}
	for _, arn := range []string{succ, fail} {
		if arnService(arn) == "lambda" {
			if name, _ := parseFunctionRef(arn); name == fnName {
				return errInvalidParameter("You can't specify the function as a destination for itself.")
			}
		}
	}
	if !check(succ) || !check(fail) {
		part := func(kind, arn string) string {
			if arn == "" {
				return "null"
			}
			return kind + "(destination=" + arn + ")"
		}
		return errInvalidParameter("The provided destination config DestinationConfig(onSuccess=%s, onFailure=%s) is invalid.", part("OnSuccess", succ), part("OnFailure", fail))
	}
	return nil
}

func normalizeDestinations(d *DestinationConfig) *DestinationConfig {
	out := &DestinationConfig{OnSuccess: &OnSuccess{}, OnFailure: &OnFailure{}}
	if d != nil {
		if d.OnSuccess != nil && str(d.OnSuccess.Destination) != "" {
			out.OnSuccess.Destination = d.OnSuccess.Destination
		}
		if d.OnFailure != nil && str(d.OnFailure.Destination) != "" {
			out.OnFailure.Destination = d.OnFailure.Destination
		}
	}
	return out
}

// PutFunctionEventInvokeConfig sets (replacing) the asynchronous invocation
// settings of a function.
func (s *Service) PutFunctionEventInvokeConfig(ctx context.Context, in *PutFunctionEventInvokeConfigInput) (*PutFunctionEventInvokeConfigOutput, error) {
	if in.MaximumEventAgeInSeconds == nil && in.MaximumRetryAttempts == nil && in.DestinationConfig == nil {
		return nil, errInvalidParameter("You must specify at least one of error handling or destination setting.")
	}
	fn, key, err := s.eventInvokeTarget(str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	if err := s.validateDestinations(fn.name, in.DestinationConfig); err != nil {
		return nil, err
	}
	cfg := &FunctionEventInvokeConfig{
		LastModified:             ptr(s.now().UTC()),
		FunctionArn:              ptr(fn.arn + ":" + key),
		MaximumRetryAttempts:     in.MaximumRetryAttempts,
		MaximumEventAgeInSeconds: in.MaximumEventAgeInSeconds,
		DestinationConfig:        normalizeDestinations(in.DestinationConfig),
	}
	fn.mu.Lock()
	fn.invoke[key] = cfg
	fn.persistLocked()
	out := PutFunctionEventInvokeConfigOutput(*cfg)
	fn.mu.Unlock()
	return &out, nil
}

// UpdateFunctionEventInvokeConfig changes some of the asynchronous
// invocation settings of a function.
func (s *Service) UpdateFunctionEventInvokeConfig(ctx context.Context, in *UpdateFunctionEventInvokeConfigInput) (*UpdateFunctionEventInvokeConfigOutput, error) {
	if in.MaximumEventAgeInSeconds == nil && in.MaximumRetryAttempts == nil && in.DestinationConfig == nil {
		return nil, errInvalidParameter("You must specify at least one of error handling or destination setting.")
	}
	fn, key, err := s.eventInvokeTarget(str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	cur := fn.invoke[key]
	fn.mu.Unlock()
	if cur == nil {
		return nil, s.noEventInvokeConfig(fn.name, str(in.Qualifier))
	}
	if err := s.validateDestinations(fn.name, in.DestinationConfig); err != nil {
		return nil, err
	}
	next := *cur
	next.LastModified = ptr(s.now().UTC())
	if in.MaximumRetryAttempts != nil {
		next.MaximumRetryAttempts = in.MaximumRetryAttempts
	}
	if in.MaximumEventAgeInSeconds != nil {
		next.MaximumEventAgeInSeconds = in.MaximumEventAgeInSeconds
	}
	if in.DestinationConfig != nil {
		merged := normalizeDestinations(cur.DestinationConfig)
		if in.DestinationConfig.OnSuccess != nil {
			merged.OnSuccess = &OnSuccess{Destination: optStr(str(in.DestinationConfig.OnSuccess.Destination))}
		}
		if in.DestinationConfig.OnFailure != nil {
			merged.OnFailure = &OnFailure{Destination: optStr(str(in.DestinationConfig.OnFailure.Destination))}
		}
		next.DestinationConfig = merged
	}
	fn.mu.Lock()
	fn.invoke[key] = &next
	fn.persistLocked()
	fn.mu.Unlock()
	out := UpdateFunctionEventInvokeConfigOutput(next)
	return &out, nil
}

// GetFunctionEventInvokeConfig returns a function's asynchronous
// invocation settings.
func (s *Service) GetFunctionEventInvokeConfig(ctx context.Context, in *GetFunctionEventInvokeConfigInput) (*GetFunctionEventInvokeConfigOutput, error) {
	fn, name, q := s.findFunction(str(in.FunctionName), in.Qualifier)
	if fn == nil {
		return nil, s.noEventInvokeConfig(name, q)
	}
	fn.mu.Lock()
	cur := fn.invoke[invokeKey(q)]
	fn.mu.Unlock()
	if cur == nil {
		return nil, s.noEventInvokeConfig(name, q)
	}
	out := GetFunctionEventInvokeConfigOutput(*cur)
	return &out, nil
}

// DeleteFunctionEventInvokeConfig removes a function's asynchronous
// invocation settings.
func (s *Service) DeleteFunctionEventInvokeConfig(ctx context.Context, in *DeleteFunctionEventInvokeConfigInput) (*DeleteFunctionEventInvokeConfigOutput, error) {
	fn, name, q := s.findFunction(str(in.FunctionName), in.Qualifier)
	if fn == nil {
		return nil, s.noEventInvokeConfig(name, q)
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.invoke[invokeKey(q)] == nil {
		return nil, s.noEventInvokeConfig(name, q)
	}
	delete(fn.invoke, invokeKey(q))
	fn.persistLocked()
	return &DeleteFunctionEventInvokeConfigOutput{}, nil
}

// ListFunctionEventInvokeConfigs lists a function's asynchronous
// invocation settings.
func (s *Service) ListFunctionEventInvokeConfigs(ctx context.Context, in *ListFunctionEventInvokeConfigsInput) (*ListFunctionEventInvokeConfigsOutput, error) {
	name, _ := parseFunctionRef(str(in.FunctionName))
	s.mu.Lock()
	fn := s.functions[name]
	s.mu.Unlock()
	if fn == nil {
		return nil, errResourceNotFound("The function doesn't exist.")
	}
	out := &ListFunctionEventInvokeConfigsOutput{FunctionEventInvokeConfigs: []FunctionEventInvokeConfig{}}
	fn.mu.Lock()
	for _, c := range fn.invoke {
		out.FunctionEventInvokeConfigs = append(out.FunctionEventInvokeConfigs, *c)
	}
	fn.mu.Unlock()
	// $LATEST, the versions in order, then the aliases by name.
	rank := func(c FunctionEventInvokeConfig) (int, string) {
		_, q := parseFunctionRef(str(c.FunctionArn))
		switch {
		case q == latest:
			return 0, ""
		case isVersionNumber(q):
			return 1, q
		}
		return 2, q
	}
	sort.Slice(out.FunctionEventInvokeConfigs, func(i, j int) bool {
		ri, qi := rank(out.FunctionEventInvokeConfigs[i])
		rj, qj := rank(out.FunctionEventInvokeConfigs[j])
		if ri != rj {
			return ri < rj
		}
		if ri == 1 {
			return versionOrder(qi, qj)
		}
		return qi < qj
	})
	return out, nil
}
