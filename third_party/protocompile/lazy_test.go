package protocompile

// evolvestack patch test (see ../README.md): the standard imports are
// built on first use, concurrently safe, and resolve as before.

import (
	"context"
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

// TestLazyLinkerDescriptors compiles a file that needs the linker's no-op
// descriptors and FeatureSet fields (built on first use) from several
// goroutines at once.
func TestLazyLinkerDescriptors(t *testing.T) {
	src := map[string]string{"a.proto": `syntax = "proto3";
package a;
enum E { E_ZERO = 0; E_ONE = 1; }
message M {
  optional int32 id = 1;
  repeated int32 nums = 2;
  E e = 3;
  oneof o { string s = 4; M child = 5; }
}
service S { rpc Get(M) returns (M); }
`}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Compiler{Resolver: WithStandardImports(&SourceResolver{Accessor: SourceAccessorFromMap(src)})}
			files, err := c.Compile(context.Background(), "a.proto")
			if err != nil {
				t.Error(err)
				return
			}
			m := files[0].Messages().ByName("M")
			if m == nil || !m.Fields().ByName("id").HasPresence() || m.Fields().ByName("nums").HasPresence() ||
				!m.Fields().ByName("nums").IsPacked() || m.Oneofs().Len() != 2 || files[0].Enums().ByName("E").IsClosed() ||
				files[0].Services().ByName("S").Methods().ByName("Get") == nil {
				t.Errorf("compiled a.proto wrongly: %v", m)
			}
		}()
	}
	wg.Wait()
}
