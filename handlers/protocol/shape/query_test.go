package shape

import (
	"reflect"
	"testing"
)

type queryTagged struct {
	Attrs map[string]string `locationName:"Attributes" flattened:"true" locationNameKey:"key" locationNameValue:"value" queryName:"Attribute" queryLocationNameKey:"Name" queryLocationNameValue:"Value"`
	Names []string          `locationName:"AttributeNames" locationNameList:"member" queryLocationNameList:"AttributeName" queryFlattened:"true"`
	Plain *string           `locationName:"Plain"`
}

func TestPlanQueryTags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                 string
		query                bool
		attrsWire, key, val  string
		namesWire, listMem   string
		namesFlat, attrsFlat bool
	}{
		{"shared tags", false, "Attributes", "key", "value", "AttributeNames", "member", false, true},
		{"query tags preferred", true, "Attribute", "Name", "Value", "AttributeNames", "AttributeName", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &Cache{Query: tc.query}
			p, err := c.Plan(reflect.TypeFor[queryTagged]())
			if err != nil {
				t.Fatal(err)
			}
			a, ok := p.Lookup(tc.attrsWire)
			if !ok || a.MapKey != tc.key || a.MapValue != tc.val || a.Flattened != tc.attrsFlat {
				t.Errorf("attrs field %+v (found %v)", a, ok)
			}
			n, ok := p.Lookup(tc.namesWire)
			if !ok || n.ListMember != tc.listMem || n.Flattened != tc.namesFlat || !n.HasListMember {
				t.Errorf("names field %+v (found %v)", n, ok)
			}
			if f, ok := p.Lookup("Plain"); !ok || f.Wire != "Plain" {
				t.Errorf("plain field %+v", f)
			}
		})
	}
}
