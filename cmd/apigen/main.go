// Command apigen trims the botocore API models evolvestack needs and
// generates the typed API packages under emulator/ from the trimmed copies.
//
//	apigen trim -src DIR -dst DIR -ops FILE
//	apigen gen -models DIR -out DIR
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "apigen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: apigen trim|gen [flags]")
	}
	switch args[0] {
	case "trim":
		fs := flag.NewFlagSet("trim", flag.ContinueOnError)
		fs.SetOutput(stderr)
		src := fs.String("src", "", "folder holding <service>/service-2.json and paginators-1.json")
		dst := fs.String("dst", "", "folder to write the trimmed <service>.json models to")
		ops := fs.String("ops", "", "JSON file mapping service name to the operations to keep")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *src == "" || *dst == "" || *ops == "" {
			return fmt.Errorf("trim: -src, -dst and -ops are required")
		}
		return trimAll(*src, *dst, *ops)
	case "gen":
		fs := flag.NewFlagSet("gen", flag.ContinueOnError)
		fs.SetOutput(stderr)
		models := fs.String("models", "", "folder holding the trimmed <service>.json models")
		out := fs.String("out", "", "emulator folder to write <pkg>/zz_*.go into")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *models == "" || *out == "" {
			return fmt.Errorf("gen: -models and -out are required")
		}
		return genAll(*models, *out)
	default:
		return fmt.Errorf("unknown command %q (want trim or gen)", args[0])
	}
}
