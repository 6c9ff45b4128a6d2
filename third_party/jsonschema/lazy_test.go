package jsonschema_test

// evolvestack patch test (see ../README.md): the meta-schemas compile on
// first use; compilers racing to that first use all see them, and invalid
// schemas are still refused by them.

import (
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestLazyMetaSchemasConcurrent(t *testing.T) {
	drafts := []string{
		"https://json-schema.org/draft/2020-12/schema",
		"http://json-schema.org/draft-07/schema#",
		"https://json-schema.org/draft/2019-09/schema",
		"http://json-schema.org/draft-04/schema#",
	}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		draft := drafts[i%len(drafts)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			good, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"$schema":"` + draft + `","type":"object","properties":{"a":{"type":"string"}}}`))
			c := jsonschema.NewCompiler()
			if err := c.AddResource("good.json", good); err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Compile("good.json"); err != nil {
				t.Errorf("%s: %v", draft, err)
			}
			bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"$schema":"` + draft + `","type":12}`))
			c = jsonschema.NewCompiler()
			if err := c.AddResource("bad.json", bad); err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Compile("bad.json"); err == nil {
				t.Errorf("%s: a schema with \"type\": 12 compiled: the meta-schema was not applied", draft)
			}
		}()
	}
	wg.Wait()
}
