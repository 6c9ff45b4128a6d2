package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Query overlays.
//
// A JSON model that is awsQueryCompatible (SQS) has lost the names its
// awsQuery face still uses on the wire. An overlay, overlays/<service>.json
// next to the models folder, restores them in botocore vocabulary:
//
//	{"metadata":   {"xmlNamespace": "..."},
//	 "operations": {"Op": {"resultWrapper": "OpResult"}},
//	 "shapes": {
//	   "S": {"members": {"M": {"locationName": "X", "flattened": true}}},
//	   "L": {"member": {"locationName": "Item"}},
//	   "M": {"locationName": "Tag", "key": {"locationName": "Key"}, "value": {"locationName": "Value"}},
//	   "E": {"error": {"code": "AWS.X.Y", "httpStatusCode": 400, "senderFault": true}},
//	   "N": {"validateEnum": false}}}
//
// "validateEnum": false drops an enum shape's check from the generated
// Validate methods, for services (SQS) that check such values themselves
// with their own errors.
// metadata, operations and error traits feed the descriptor as the query
// model had them. locationName and flattened apply to the query protocol
// only: the generator emits them as extra struct tags that the awsquery
// codec prefers over the shared ones, so JSON keeps the member names:
//
//	queryName:"X"               query key / XML element of the member
//	queryFlattened:"true"       the member is a flattened list or map in query
//	queryLocationNameList:"I"   element name of list members
//	queryLocationNameKey:"K"    map entry key name
//	queryLocationNameValue:"V"  map entry value name
//
// A member's query name is its own locationName, else its target shape's
// locationName; the tags are only written when they differ from the shared
// ones.

// overlayDir returns the overlays folder that belongs to a models folder.
func overlayDir(models string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(models)), "overlays")
}

// applyOverlay applies dir/<service>.json to m when it exists.
func applyOverlay(m *model, dir string) error {
	path := filepath.Join(dir, m.Service+".json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read overlay: %w", err)
	}
	v, err := parseJSON(raw)
	if err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	root, ok := v.(*object)
	if !ok {
		return fmt.Errorf("%s: not an object", path)
	}
	if md := root.obj("metadata"); md != nil {
		for _, k := range md.keys {
			m.Metadata.set(k, md.vals[k])
		}
	}
	if ops := root.obj("operations"); ops != nil {
		for _, name := range ops.keys {
			op := m.operation(name)
			if op == nil {
				return fmt.Errorf("%s: unknown operation %s", path, name)
			}
			if rw := ops.obj(name).str("resultWrapper"); rw != "" {
				op.ResultWrapper = rw
			}
		}
	}
	shapes := root.obj("shapes")
	if shapes == nil {
		return nil
	}
	for _, name := range shapes.keys {
		sh := m.Shapes[name]
		if sh == nil {
			// Trimming may drop shapes the overlay knows.
			continue
		}
		if err := overlayShape(sh, shapes.obj(name)); err != nil {
			return fmt.Errorf("%s: shape %s: %w", path, name, err)
		}
	}
	return nil
}

func overlayShape(sh *shape, o *object) error {
	if o == nil {
		return fmt.Errorf("not an object")
	}
	sh.QueryName = o.str("locationName")
	if v, ok := o.get("validateEnum"); ok && v == false {
		sh.NoEnumCheck = true
	}
	if ms := o.obj("members"); ms != nil {
		for _, k := range ms.keys {
			var found *member
			for _, mm := range sh.Members {
				if mm.Name == k {
					found = mm
				}
			}
			if found == nil {
				return fmt.Errorf("unknown member %s", k)
			}
			overlayRef(&found.ref, ms.obj(k))
		}
	}
	for key, r := range map[string]*ref{"member": sh.Member, "key": sh.Key, "value": sh.Value} {
		if ro := o.obj(key); ro != nil {
			if r == nil {
				return fmt.Errorf("no %s to overlay", key)
			}
			overlayRef(r, ro)
		}
	}
	if et := o.obj("error"); et != nil {
		sh.HasErrorTrait = true
		sh.ErrorCode = et.str("code")
		if st := et.num("httpStatusCode"); st != "" {
			fmt.Sscan(st, &sh.ErrorStatus)
		}
		sh.SenderFault = et.boolean("senderFault")
	}
	return nil
}

func overlayRef(r *ref, o *object) {
	if o == nil {
		return
	}
	r.QueryName = o.str("locationName")
	r.QueryFlattened = o.boolean("flattened")
}

// operation returns the operation named name, or nil.
func (m *model) operation(name string) *operation {
	for _, op := range m.Operations {
		if op.Name == name {
			return op
		}
	}
	return nil
}
