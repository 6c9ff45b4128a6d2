package eventbridge

import (
	"context"
	"strings"
	"time"
)

// defaultRateLimit is AWS's default InvocationRateLimitPerSecond.
const defaultRateLimit = 300

// apiDestination is an HTTP endpoint target with its connection.
type apiDestination struct {
	name, arn     string
	description   *string
	connectionArn string
	endpoint      string // may hold "*" path parameters
	method        ApiDestinationHttpMethod
	rateLimit     int32
	created       time.Time
	modified      time.Time
}

// apiDestinationByARN finds an API destination by ARN (s.mu held).
func (s *Service) apiDestinationByARN(arn string) *apiDestination {
	for _, d := range s.apiDests {
		if d.arn == arn {
			return d
		}
	}
	return nil
}

// errAPIDestinationNotFound is AWS's answer for an unknown API destination
// (LocalStack's AWS recording of DescribeApiDestination).
func errAPIDestinationNotFound(name string) error {
	return errNotFound("Failed to describe the api-destination(s). An api-destination '%s' does not exist.", name)
}

// CreateApiDestination creates an API destination.
func (s *Service) CreateApiDestination(ctx context.Context, in *CreateApiDestinationInput) (*CreateApiDestinationOutput, error) {
	name := strOr(in.Name, "")
	if err := validateHTTPSEndpoint("InvocationEndpoint", strOr(in.InvocationEndpoint, "")); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apiDests[name] != nil {
		return nil, errExists("An api-destination '%s' already exists.", name) // unverified: wording
	}
	c := s.connectionByARN(strOr(in.ConnectionArn, ""))
	if c == nil {
		return nil, errNotFound("Failed to describe the connection(s). Connection '%s' does not exist.", connectionNameOf(strOr(in.ConnectionArn, "")))
	}
	now := s.now()
	d := &apiDestination{
		name: name, arn: s.arn("api-destination/" + name + "/" + newUUID()), description: in.Description,
		connectionArn: c.arn, endpoint: *in.InvocationEndpoint, method: in.HttpMethod, rateLimit: defaultRateLimit,
		created: now, modified: now,
	}
	if in.InvocationRateLimitPerSecond != nil {
		d.rateLimit = *in.InvocationRateLimitPerSecond
	}
	s.apiDests[name] = d
	s.saveAPIDestinationLocked(d)
	return &CreateApiDestinationOutput{ApiDestinationArn: ptr(d.arn), ApiDestinationState: s.apiDestinationStateLocked(d), CreationTime: ptr(d.created), LastModifiedTime: ptr(d.modified)}, nil
}

// connectionNameOf extracts the name from a connection ARN.
func connectionNameOf(arn string) string {
	_, rest, ok := strings.Cut(arn, ":connection/")
	if !ok {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// DescribeApiDestination describes an API destination.
func (s *Service) DescribeApiDestination(ctx context.Context, in *DescribeApiDestinationInput) (*DescribeApiDestinationOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := s.apiDests[strOr(in.Name, "")]
	if d == nil {
		return nil, errAPIDestinationNotFound(strOr(in.Name, ""))
	}
	return &DescribeApiDestinationOutput{
		ApiDestinationArn: ptr(d.arn), Name: ptr(d.name), Description: d.description, ApiDestinationState: s.apiDestinationStateLocked(d),
		ConnectionArn: ptr(d.connectionArn), InvocationEndpoint: ptr(d.endpoint), HttpMethod: d.method,
		InvocationRateLimitPerSecond: ptr(d.rateLimit), CreationTime: ptr(d.created), LastModifiedTime: ptr(d.modified),
	}, nil
}

// UpdateApiDestination changes an API destination.
func (s *Service) UpdateApiDestination(ctx context.Context, in *UpdateApiDestinationInput) (*UpdateApiDestinationOutput, error) {
	if in.InvocationEndpoint != nil {
		if err := validateHTTPSEndpoint("InvocationEndpoint", *in.InvocationEndpoint); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.apiDests[strOr(in.Name, "")]
	if d == nil {
		return nil, errAPIDestinationNotFound(strOr(in.Name, ""))
	}
	if in.ConnectionArn != nil {
		c := s.connectionByARN(*in.ConnectionArn)
		if c == nil {
			return nil, errNotFound("Failed to describe the connection(s). Connection '%s' does not exist.", connectionNameOf(*in.ConnectionArn))
		}
		d.connectionArn = c.arn
	}
	if in.Description != nil {
		d.description = in.Description
	}
	if in.InvocationEndpoint != nil {
		d.endpoint = *in.InvocationEndpoint
	}
	if in.HttpMethod != "" {
		d.method = in.HttpMethod
	}
	if in.InvocationRateLimitPerSecond != nil {
		d.rateLimit = *in.InvocationRateLimitPerSecond
	}
	d.modified = s.now()
	s.saveAPIDestinationLocked(d)
	return &UpdateApiDestinationOutput{ApiDestinationArn: ptr(d.arn), ApiDestinationState: s.apiDestinationStateLocked(d), CreationTime: ptr(d.created), LastModifiedTime: ptr(d.modified)}, nil
}

// DeleteApiDestination deletes an API destination.
func (s *Service) DeleteApiDestination(ctx context.Context, in *DeleteApiDestinationInput) (*DeleteApiDestinationOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strOr(in.Name, "")
	if s.apiDests[name] == nil {
		return nil, errAPIDestinationNotFound(name)
	}
	delete(s.apiDests, name)
	s.del(keyAPIDest + name)
	return &DeleteApiDestinationOutput{}, nil
}

// ListApiDestinations lists API destinations by name.
func (s *Service) ListApiDestinations(ctx context.Context, in *ListApiDestinationsInput) (*ListApiDestinationsOutput, error) {
	prefix := strOr(in.NamePrefix, "")
	s.mu.RLock()
	var items []keyed[ApiDestination]
	for _, d := range s.apiDests {
		if !strings.HasPrefix(d.name, prefix) || (in.ConnectionArn != nil && d.connectionArn != *in.ConnectionArn) {
			continue
		}
		items = append(items, keyed[ApiDestination]{d.name, ApiDestination{
			ApiDestinationArn: ptr(d.arn), Name: ptr(d.name), ApiDestinationState: s.apiDestinationStateLocked(d), ConnectionArn: ptr(d.connectionArn),
			InvocationEndpoint: ptr(d.endpoint), HttpMethod: d.method, InvocationRateLimitPerSecond: ptr(d.rateLimit),
			CreationTime: ptr(d.created), LastModifiedTime: ptr(d.modified),
		}})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListApiDestinationsOutput{ApiDestinations: out, NextToken: next}, nil
}
