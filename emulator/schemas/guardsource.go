package schemas

// LatestJSONSchema returns the latest version of a schema as a JSON Schema
// draft 4 document (OpenApi3 content converted as ExportSchema converts
// it), for evolvestack's schema guard. Unlike ExportSchema it serves any
// registry's schemas: the guard is the emulator's own reader, not an AWS
// caller.
func (s *Service) LatestJSONSchema(registryName, schemaName string) (version, draft4 string, err error) {
	s.mu.Lock()
	_, _, v, err := s.versionLocked(registryName, schemaName, "")
	var content string
	var typ Type
	if err == nil {
		version, content, typ = v.id(), v.content, v.typ
	}
	s.mu.Unlock()
	if err != nil {
		return "", "", err
	}
	if typ == TypeOpenApi3 {
		if content, err = openAPIToDraft4(content); err != nil {
			return "", "", err
		}
	}
	return version, content, nil
}
