package lambda

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// isVersionNumber reports whether q has the form of a published version's
// number.
func isVersionNumber(q string) bool {
	if q == "" {
		return false
	}
	for _, r := range q {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// versionOrder sorts version numbers numerically.
func versionOrder(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// hasQualifier reports whether q (empty, $LATEST, a version number or an
// alias name) names something of fn, which is $LATEST.
func (fn *function) hasQualifier(q string) bool {
	if q == "" || q == latest {
		return true
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	_, isVersion := fn.versions[q]
	_, isAlias := fn.aliases[q]
	return isVersion || isAlias
}

// target is what a function reference with its qualifier resolves to.
type target struct {
	root *function // the function ($LATEST)
	fn   *function // what runs: $LATEST or a published version
	// qualifier is as the caller gave it: "" for the unqualified
	// function, $LATEST, a version number or an alias name.
	qualifier string
}

// arn is the ARN the caller named: unqualified, or qualified with the
// version or alias.
func (t target) arn() string {
	if t.qualifier == "" {
		return t.root.arn
	}
	return t.root.arn + ":" + t.qualifier
}

// config is the configuration of what runs, with the ARN the caller named.
func (t target) config() FunctionConfiguration {
	cfg := t.fn.config()
	cfg.FunctionArn = ptr(t.arn())
	return cfg
}

// resolve finds what a function reference (name, partial or full ARN,
// optionally qualified) and a qualifier parameter name: $LATEST, a
// published version, or the version an alias points to. With route, a
// weighted alias picks one of its two versions by their weights; without,
// its primary version.
func (s *Service) resolve(ref, qualifier string, route bool) (target, error) {
	name, q := parseFunctionRef(ref)
	if q != "" && qualifier != "" && q != qualifier {
		return target{}, errInvalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if err := s.checkRegion(ref); err != nil {
		return target{}, err
	}
	if qualifier != "" {
		q = qualifier
	}
	notFound := func() error {
		arn := s.functionArn(name)
		if q != "" {
			arn += ":" + q
		}
		return errFunctionNotFound(arn)
	}
	s.mu.Lock()
	root := s.functions[name]
	s.mu.Unlock()
	if root == nil {
		return target{}, notFound()
	}
	t := target{root: root, fn: root, qualifier: q}
	if q == "" || q == latest {
		return t, nil
	}
	root.mu.Lock()
	defer root.mu.Unlock()
	version := q
	if a := root.aliases[q]; a != nil {
		version = str(a.FunctionVersion)
		if route {
			version = s.route(a)
		}
	}
	if version == latest {
		return t, nil
	}
	v := root.versions[version]
	if v == nil {
		return target{}, notFound()
	}
	t.fn = v
	return t, nil
}

// SetAliasRoutingSeed makes the choice between the two versions of a
// weighted alias (RoutingConfig AdditionalVersionWeights) deterministic:
// the same seed and the same sequence of invocations pick the same
// versions. By default the choice is random.
func (s *Service) SetAliasRoutingSeed(seed uint64) {
	s.routingMu.Lock()
	defer s.routingMu.Unlock()
	s.routing = rand.New(rand.NewPCG(seed, seed))
}

// route picks the version an invocation of a weighted alias runs: each
// additional version with its weight's probability, else the alias's
// primary version.
func (s *Service) route(a *AliasConfiguration) string {
	primary := str(a.FunctionVersion)
	if a.RoutingConfig == nil || len(a.RoutingConfig.AdditionalVersionWeights) == 0 {
		return primary
	}
	keys := make([]string, 0, len(a.RoutingConfig.AdditionalVersionWeights))
	for k := range a.RoutingConfig.AdditionalVersionWeights {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return versionOrder(keys[i], keys[j]) })
	s.routingMu.Lock()
	u := s.routing.Float64()
	s.routingMu.Unlock()
	acc := 0.0
	for _, k := range keys {
		acc += a.RoutingConfig.AdditionalVersionWeights[k]
		if u < acc {
			return k
		}
	}
	return primary
}

// publishLocked publishes $LATEST (fn, locked) as the next version and
// returns it with its configuration: the description given or that of
// $LATEST, Active (or Pending with pending, for a version published by
// CreateFunction or UpdateFunctionCode, which settles with the function).
// $LATEST gets a new revision, as in Lambda.
func (fn *function) publishLocked(description *string, pending bool) (*function, FunctionConfiguration) {
	fn.lastVersion++
	n := strconv.Itoa(fn.lastVersion)
	v := &function{
		svc:           fn.svc,
		name:          fn.name,
		arn:           fn.arn,
		parent:        fn,
		version:       n,
		done:          make(chan struct{}),
		code:          fn.code,
		publishedFrom: fn.generation,
	}
	cfg := fn.cfg
	cfg.FunctionArn = ptr(fn.arn + ":" + n)
	cfg.Version = ptr(n)
	cfg.RevisionId = ptr(uuid.NewString())
	if description != nil {
		cfg.Description = ptr(*description)
	}
	cfg.LastUpdateStatusReason, cfg.LastUpdateStatusReasonCode = nil, ""
	if pending {
		cfg.State, cfg.StateReason, cfg.StateReasonCode = StatePending, ptr("The function is being created."), StateReasonCodeCreating
		cfg.LastUpdateStatus = ""
	} else {
		cfg.State, cfg.StateReason, cfg.StateReasonCode = StateActive, nil, ""
		cfg.LastUpdateStatus = LastUpdateStatusSuccessful
	}
	v.cfg = cfg
	fn.versions[n] = v
	fn.cfg.RevisionId = ptr(uuid.NewString())
	v.persistLocked() // v is not shared yet
	fn.persistLocked()
	return v, cfg
}

// PublishVersion publishes an immutable version from $LATEST's code and
// configuration. When nothing changed since the last version was
// published, Lambda publishes nothing and answers with that version.
func (s *Service) PublishVersion(ctx context.Context, in *PublishVersionInput) (*PublishVersionOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), "")
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if rev := str(in.RevisionId); rev != "" && rev != str(fn.cfg.RevisionId) {
		return nil, errPrecondition()
	}
	if sha := str(in.CodeSha256); sha != "" && sha != str(fn.cfg.CodeSha256) {
		return nil, errInvalidParameter("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", sha, str(fn.cfg.CodeSha256))
	}
	switch {
	case fn.cfg.State == StatePending:
		return nil, errConflict("The operation cannot be performed at this time. The function is currently in the following state: Pending")
	case fn.cfg.LastUpdateStatus == LastUpdateStatusInProgress:
		return nil, errConflict("The operation cannot be performed at this time. An update is in progress for resource: %s", fn.arn)
	}
	if last := fn.versions[strconv.Itoa(fn.lastVersion)]; last != nil && last.publishedFrom == fn.generation {
		out := PublishVersionOutput(last.config())
		return &out, nil
	}
	_, cfg := fn.publishLocked(in.Description, false)
	out := PublishVersionOutput(cfg)
	return &out, nil
}

// sortedVersions returns fn's published versions in version order; fn is
// $LATEST.
func (fn *function) sortedVersions() []*function {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	out := make([]*function, 0, len(fn.versions))
	for _, v := range fn.versions {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return versionOrder(out[i].version, out[j].version) })
	return out
}

// listedVersions is $LATEST (with its qualified ARN) then every published
// version, as the list operations return them.
func (fn *function) listedVersions() []FunctionConfiguration {
	cfg := fn.config()
	cfg.FunctionArn = ptr(fn.arn + ":" + latest)
	out := []FunctionConfiguration{listedConfig(cfg)}
	for _, v := range fn.sortedVersions() {
		out = append(out, listedConfig(v.config()))
	}
	return out
}

// ListVersionsByFunction lists $LATEST and the published versions of a
// function, at most 50 a page.
func (s *Service) ListVersionsByFunction(ctx context.Context, in *ListVersionsByFunctionInput) (*ListVersionsByFunctionOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), "")
	if err != nil {
		return nil, err
	}
	page, next := paginate(fn.listedVersions(), func(c FunctionConfiguration) string { return str(c.FunctionArn) }, str(in.Marker), in.MaxItems, 50, nil)
	return &ListVersionsByFunctionOutput{Versions: page, NextMarker: next}, nil
}

// deleteVersion deletes a published version of fn ($LATEST) unless an
// alias routes to it. A version that does not exist is no error.
func (s *Service) deleteVersion(fn *function, q string) error {
	fn.mu.Lock()
	v := fn.versions[q]
	if v == nil {
		fn.mu.Unlock()
		return nil
	}
	var users []string
	for name, a := range fn.aliases {
		_, weighted := a.RoutingConfig.weights()[q]
		if str(a.FunctionVersion) == q || weighted {
			users = append(users, name)
		}
	}
	if len(users) > 0 {
		fn.mu.Unlock()
		sort.Strings(users)
		return errConflict("Unable to delete version because the following aliases reference it: [%s]", strings.Join(users, ", "))
	}
	delete(fn.versions, q)
	delete(fn.invoke, q)
	delete(fn.policies, q)
	fn.forgetVersionLocked(v)
	fn.forgetCodeLocked(v.code)
	fn.persistLocked()
	inUse := fn.codeInUseLocked(v.code)
	fn.mu.Unlock()
	code := v.stop()
	if !inUse {
		removeCode(code)
	}
	return nil
}

// weights returns the additional version weights, nil for none.
func (r *AliasRoutingConfiguration) weights() map[string]float64 {
	if r == nil {
		return nil
	}
	return r.AdditionalVersionWeights
}
