package protobuf

import (
	"sort"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// MessageNames returns the full names of every message fd declares, nested
// messages and map entries included, sorted lexicographically. This is the
// order in which Glue's serializer numbers message types: the index of a
// name in the result is the message index written before the payload.
func MessageNames(fd protoreflect.FileDescriptor) []string {
	if fd == nil {
		return nil
	}
	var names []string
	var walk func(protoreflect.MessageDescriptors)
	walk = func(msgs protoreflect.MessageDescriptors) {
		for i := 0; i < msgs.Len(); i++ {
			m := msgs.Get(i)
			names = append(names, string(m.FullName()))
			walk(m.Messages())
		}
	}
	walk(fd.Messages())
	sort.Strings(names)
	return names
}
