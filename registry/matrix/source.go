package matrix

import (
	"context"
	"fmt"

	"github.com/evolvestack/evolvestack/registry"
)

// EngineSource reads a schema from an in-process registry engine (e.g.
// the emulator's: e.Glue().Registry()).
func EngineSource(e *registry.Engine, registryName, schemaName string) Source {
	return SourceFunc(func(context.Context) (*Schema, error) {
		ref := registry.SchemaRef{RegistryName: registryName, SchemaName: schemaName}
		info, err := e.GetSchema(ref)
		if err != nil {
			return nil, fmt.Errorf("GetSchema: %w", err)
		}
		s := &Schema{Registry: info.RegistryName, Name: info.Name, DataFormat: info.DataFormat, Compatibility: string(info.Compatibility), Checkpoint: info.Checkpoint}
		page := registry.Page{}
		for {
			vs, next, err := e.ListSchemaVersions(ref, page)
			if err != nil {
				return nil, fmt.Errorf("ListSchemaVersions: %w", err)
			}
			for _, v := range vs {
				s.Versions = append(s.Versions, Version{Number: v.Number, ID: v.ID, Status: v.Status, Definition: v.Definition})
			}
			if next == "" {
				return s, nil
			}
			page.Token = next
		}
	})
}
