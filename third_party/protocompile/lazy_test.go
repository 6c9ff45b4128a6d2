package protocompile

// evolvestack patch test (see ../README.md): the standard imports are
// built on first use, concurrently safe, and resolve as before.

import (
	"sync"
	"testing"
)

func TestLazyStandardImports(t *testing.T) {
	r := WithStandardImports(ResolverFunc(func(string) (SearchResult, error) {
		return SearchResult{}, errNotFound
	}))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, name := range []string{"google/protobuf/descriptor.proto", "google/protobuf/timestamp.proto", "google/protobuf/cpp_features.proto", "google/protobuf/java_features.proto"} {
				res, err := r.FindFileByPath(name)
				if err != nil || res.Desc == nil || res.Desc.Path() != name {
					t.Errorf("%s: %v %v", name, res.Desc, err)
				}
			}
		}()
	}
	wg.Wait()
	if _, err := r.FindFileByPath("no/such.proto"); err == nil {
		t.Error("no/such.proto resolved")
	}
}

var errNotFound = errorString("not found")

type errorString string

func (e errorString) Error() string { return string(e) }
