package emulator

// The typed API packages (zz_*.go in each service folder) are generated
// from the trimmed models in cmd/apigen/models.
//go:generate go run ../cmd/apigen gen -models ../cmd/apigen/models -out .
