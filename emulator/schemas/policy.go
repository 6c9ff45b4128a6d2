package schemas

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
)

// resourcePolicy is a registry's (or the account's) resource policy.
type resourcePolicy struct {
	policy     string
	revisionID string
}

// policySlotLocked returns where the policy of registry name (the
// account's when name is empty) is kept.
func (s *Service) policySlotLocked(name string, write bool) (**resourcePolicy, error) {
	if name == "" {
		// unverified: without a registry name the policy is the account's.
		return &s.accountPolicy, nil
	}
	var r *registry
	var err error
	if write {
		r, err = s.writableRegistryLocked(name)
	} else {
		r, err = s.registryLocked(name)
	}
	if err != nil {
		return nil, err
	}
	return &r.policy, nil
}

// savePolicyLocked journals the row holding the policy of registry name
// (the account's when name is empty).
func (s *Service) savePolicyLocked(name string) {
	if name == "" {
		s.saveAccountPolicyLocked()
	} else if r, ok := s.registries[name]; ok {
		s.saveRegistryLocked(r)
	}
}

func errPolicyNotFound() error {
	// unverified
	return errNotFound("Resource Policy does not exist.")
}

// PutResourcePolicy sets a registry's resource policy. A RevisionId, when
// given, must name the policy in force.
func (s *Service) PutResourcePolicy(ctx context.Context, in *PutResourcePolicyInput) (*PutResourcePolicyOutput, error) {
	policy := deref(in.Policy)
	var doc map[string]any
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		// unverified
		return nil, errBadRequest("Policy is not a valid JSON document.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, err := s.policySlotLocked(deref(in.RegistryName), true)
	if err != nil {
		return nil, err
	}
	if in.RevisionId != nil {
		if *slot == nil || (*slot).revisionID != *in.RevisionId {
			// unverified
			return nil, errPreconditionFailed("The revision ID provided does not match the latest revision ID of the policy.")
		}
	}
	// A UUID, as AWS's answers show (aws-cli awscli/examples/schemas/
	// put-resource-policy.rst).
	p := &resourcePolicy{policy: policy, revisionID: uuid.NewString()}
	*slot = p
	s.savePolicyLocked(deref(in.RegistryName))
	return &PutResourcePolicyOutput{Policy: ptr(p.policy), RevisionId: ptr(p.revisionID)}, nil
}

// GetResourcePolicy returns a registry's resource policy.
func (s *Service) GetResourcePolicy(ctx context.Context, in *GetResourcePolicyInput) (*GetResourcePolicyOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, err := s.policySlotLocked(deref(in.RegistryName), false)
	if err != nil {
		return nil, err
	}
	if *slot == nil {
		return nil, errPolicyNotFound()
	}
	return &GetResourcePolicyOutput{Policy: ptr((*slot).policy), RevisionId: ptr((*slot).revisionID)}, nil
}

// DeleteResourcePolicy removes a registry's resource policy.
func (s *Service) DeleteResourcePolicy(ctx context.Context, in *DeleteResourcePolicyInput) (*DeleteResourcePolicyOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, err := s.policySlotLocked(deref(in.RegistryName), true)
	if err != nil {
		return nil, err
	}
	if *slot == nil {
		return nil, errPolicyNotFound()
	}
	*slot = nil
	s.savePolicyLocked(deref(in.RegistryName))
	return &DeleteResourcePolicyOutput{}, nil
}
