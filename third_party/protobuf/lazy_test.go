package protobuf_test

// evolvestack patch test (see ../README.md): the editions defaults, the
// detrand seed and the JSON error regexp are built on first use,
// concurrently safe, and behave as before.

import (
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestLazyEditionDefaults(t *testing.T) {
	// An editions file's fields get their presence from the defaults.
	fd := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("lazy.proto"),
		Syntax:  proto.String("editions"),
		Edition: descriptorpb.Edition_EDITION_2023.Enum(),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("M"),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("f"), Number: proto.Int32(1), JsonName: proto.String("f"),
				Type:  descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(),
				Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			}},
		}},
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := protodesc.NewFile(fd, protoregistry.GlobalFiles)
			if err != nil {
				t.Error(err)
				return
			}
			if fld := f.Messages().Get(0).Fields().Get(0); !fld.HasPresence() || fld.Cardinality() != protoreflect.Optional {
				t.Errorf("edition 2023 field: presence %v, cardinality %v; want explicit presence", fld.HasPresence(), fld.Cardinality())
			}
		}()
	}
	wg.Wait()
}

func TestLazyJSONErrorAndDetrand(t *testing.T) {
	var wg sync.WaitGroup
	outs := make([]string, 8)
	for i := 0; i < len(outs); i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := protojson.Unmarshal([]byte(`{"a": nope}`), &structpb.Struct{})
			if err == nil || !strings.Contains(err.Error(), "invalid value nope") {
				t.Errorf("protojson error %v, want one naming the invalid value", err)
			}
			// detrand spaces the output the same way within one binary.
			outs[i] = protojson.Format(structpb.NewStringValue("x"))
		}(i)
	}
	wg.Wait()
	for _, o := range outs[1:] {
		if o != outs[0] {
			t.Errorf("protojson output varies within one binary: %q, %q", o, outs[0])
		}
	}
}
