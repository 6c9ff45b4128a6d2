package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/provision"
)

// loadInit parses the provisioning file --init names; nil when none is
// named. A bad file is reported line by line before anything listens.
func loadInit(path string) (*provision.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := provision.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w\nstart-up stopped: fix the provisioning file", err)
	}
	return f, nil
}

// applyInit creates the file's resources and logs one summary line (stdout
// keeps its single ready line).
func applyInit(ctx context.Context, e *emulator.Emulator, f *provision.File, log *slog.Logger) error {
	if f == nil {
		return nil
	}
	rep, err := e.ProvisionFile(ctx, f)
	if err != nil {
		return fmt.Errorf("%w\nstart-up stopped", err)
	}
	log.Info("provisioned", "file", f.Name(), "created", len(rep.Created), "present", len(rep.Unchanged))
	return nil
}
