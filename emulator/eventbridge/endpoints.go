package eventbridge

import (
	"context"
	"strings"
	"time"
)

// endpoint is a global endpoint over two buses in two regions.
type endpoint struct {
	name, arn   string
	id, url     string
	description *string
	routing     *RoutingConfig
	replication *ReplicationConfig
	buses       []EndpointEventBus
	roleArn     *string
	state       EndpointState
	reason      string
	created     time.Time
	modified    time.Time
}

// validateEndpoint checks an endpoint's buses and replication.
func validateEndpoint(buses []EndpointEventBus, repl *ReplicationConfig, role *string) error {
	if buses != nil {
		if len(buses) != 2 {
			return errValidation("Parameter EventBuses is not valid. Reason: Exactly 2 event buses are required.") // unverified: wording
		}
		var regions, names [2]string
		for i, b := range buses {
			a, ok := parseARN(strOr(b.EventBusArn, ""))
			if !ok || a.service != "events" || !strings.HasPrefix(a.resource, "event-bus/") {
				return errParam("EventBuses", "Must contain event bus ARNs.") // unverified: wording
			}
			regions[i], names[i] = a.region, a.resource
		}
		if regions[0] == regions[1] {
			return errParam("EventBuses", "Event buses must be in different regions.") // unverified: wording
		}
		if names[0] != names[1] {
			return errParam("EventBuses", "Event buses must have the same name.") // unverified: wording
		}
	}
	if (repl == nil || repl.State != ReplicationStateDisabled) && role == nil && buses != nil {
		return errParam("RoleArn", "RoleArn is required when replication is enabled.") // unverified: wording
	}
	return nil
}

// CreateEndpoint creates a global endpoint.
func (s *Service) CreateEndpoint(ctx context.Context, in *CreateEndpointInput) (*CreateEndpointOutput, error) {
	if err := validateEndpoint(in.EventBuses, in.ReplicationConfig, in.RoleArn); err != nil {
		return nil, err
	}
	name := strOr(in.Name, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.endpoints[name] != nil {
		return nil, errExists("Endpoint %s already exists.", name) // unverified: wording
	}
	id := randomHex(5) + "." + randomHex(3)
	now := s.now()
	ep := &endpoint{
		name: name, arn: s.arn("endpoint/" + name), id: id, url: "https://" + id + ".endpoint.events.amazonaws.com",
		description: in.Description, routing: in.RoutingConfig, replication: in.ReplicationConfig,
		buses: append([]EndpointEventBus(nil), in.EventBuses...), roleArn: in.RoleArn, state: EndpointStateActive,
		created: now, modified: now,
	}
	if ep.replication == nil {
		ep.replication = &ReplicationConfig{State: ReplicationStateEnabled}
	}
	s.endpoints[name] = ep
	s.saveEndpointLocked(ep)
	return &CreateEndpointOutput{Name: ptr(ep.name), Arn: ptr(ep.arn), RoutingConfig: ep.routing, ReplicationConfig: ep.replication,
		EventBuses: ep.buses, RoleArn: ep.roleArn, State: EndpointStateCreating}, nil
}

func (s *Service) endpointLocked(name string) (*endpoint, error) {
	if ep := s.endpoints[name]; ep != nil {
		return ep, nil
	}
	return nil, errNotFound("Endpoint %s does not exist.", name) // unverified: wording
}

func (ep *endpoint) describe() Endpoint {
	return Endpoint{
		Name: ptr(ep.name), Description: ep.description, Arn: ptr(ep.arn), RoutingConfig: ep.routing, ReplicationConfig: ep.replication,
		EventBuses: ep.buses, RoleArn: ep.roleArn, EndpointId: ptr(ep.id), EndpointUrl: ptr(ep.url), State: ep.state,
		StateReason: optStr(ep.reason), CreationTime: ptr(ep.created), LastModifiedTime: ptr(ep.modified),
	}
}

// DescribeEndpoint describes a global endpoint.
func (s *Service) DescribeEndpoint(ctx context.Context, in *DescribeEndpointInput) (*DescribeEndpointOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ep, err := s.endpointLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	d := ep.describe()
	return &DescribeEndpointOutput{Name: d.Name, Description: d.Description, Arn: d.Arn, RoutingConfig: d.RoutingConfig,
		ReplicationConfig: d.ReplicationConfig, EventBuses: d.EventBuses, RoleArn: d.RoleArn, EndpointId: d.EndpointId,
		EndpointUrl: d.EndpointUrl, State: d.State, StateReason: d.StateReason, CreationTime: d.CreationTime, LastModifiedTime: d.LastModifiedTime}, nil
}

// UpdateEndpoint changes a global endpoint.
func (s *Service) UpdateEndpoint(ctx context.Context, in *UpdateEndpointInput) (*UpdateEndpointOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpointLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	buses, repl, role := ep.buses, ep.replication, ep.roleArn
	if in.EventBuses != nil {
		buses = in.EventBuses
	}
	if in.ReplicationConfig != nil {
		repl = in.ReplicationConfig
	}
	if in.RoleArn != nil {
		role = in.RoleArn
	}
	if err := validateEndpoint(buses, repl, role); err != nil {
		return nil, err
	}
	ep.buses, ep.replication, ep.roleArn = append([]EndpointEventBus(nil), buses...), repl, role
	if in.Description != nil {
		ep.description = in.Description
	}
	if in.RoutingConfig != nil {
		ep.routing = in.RoutingConfig
	}
	ep.modified = s.now()
	s.saveEndpointLocked(ep)
	return &UpdateEndpointOutput{Name: ptr(ep.name), Arn: ptr(ep.arn), RoutingConfig: ep.routing, ReplicationConfig: ep.replication,
		EventBuses: ep.buses, RoleArn: ep.roleArn, EndpointId: ptr(ep.id), EndpointUrl: ptr(ep.url), State: EndpointStateUpdating}, nil
}

// DeleteEndpoint deletes a global endpoint.
func (s *Service) DeleteEndpoint(ctx context.Context, in *DeleteEndpointInput) (*DeleteEndpointOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpointLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	delete(s.endpoints, ep.name)
	s.del(keyEndpoint + ep.name)
	return &DeleteEndpointOutput{}, nil
}

// ListEndpoints lists global endpoints by name.
func (s *Service) ListEndpoints(ctx context.Context, in *ListEndpointsInput) (*ListEndpointsOutput, error) {
	prefix := strOr(in.NamePrefix, "")
	s.mu.RLock()
	var items []keyed[Endpoint]
	for _, ep := range s.endpoints {
		if strings.HasPrefix(ep.name, prefix) {
			items = append(items, keyed[Endpoint]{ep.name, ep.describe()})
		}
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListEndpointsOutput{Endpoints: out, NextToken: next}, nil
}

// endpointByID finds a global endpoint by EndpointId (s.mu held).
func (s *Service) endpointByID(id string) *endpoint {
	for _, ep := range s.endpoints {
		if ep.id == id {
			return ep
		}
	}
	return nil
}
