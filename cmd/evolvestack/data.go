package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/persist"
	"github.com/evolvestack/evolvestack/handlers"
)

const dataUsage = `usage:
  evolvestack data export [--data-dir DIR | --endpoint URL] [-o FILE]
  evolvestack data import [--data-dir DIR [--force] | --endpoint URL] FILE|-
An export is JSON lines: a header, then one line per row of state
({"service","account","region","key","value"}). With --data-dir the dir must
not be in use (stop the stack, or use --endpoint); import into a dir that
holds state needs --force, and replaces that state. With --endpoint the
running instance exports its live state, or replaces it with the import.`

// dataCmd exports or imports a stack's state: exit 0 on success, 1 when it
// fails, 2 on bad usage.
func dataCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, dataUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	if sub != "export" && sub != "import" {
		fmt.Fprintf(stderr, "evolvestack data: unknown command %q\n%s\n", sub, dataUsage)
		return 2
	}
	fs := flag.NewFlagSet("data "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data-dir", "", "a data dir no process is using (default EVOLVESTACK_DATA_DIR when --endpoint is not given)")
	endpoint := fs.String("endpoint", "", "a running instance's endpoint")
	token := fs.String("token", getenv("EVOLVESTACK_ADMIN_TOKEN"), "the admin token of a strict-mode instance")
	out := fs.String("o", "-", "export: the file to write (- for standard output)")
	force := fs.Bool("force", false, "import: replace the state a data dir already holds")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dir == "" && *endpoint == "" {
		*dir = getenv("EVOLVESTACK_DATA_DIR")
	}
	if (*dir == "") == (*endpoint == "") {
		fmt.Fprintf(stderr, "evolvestack data %s: give exactly one of --data-dir and --endpoint\n", sub)
		return 2
	}
	var err error
	if sub == "export" {
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "evolvestack data export: unexpected arguments %v\n", fs.Args())
			return 2
		}
		err = dataExport(ctx, *dir, *endpoint, *token, *out, stdout)
	} else {
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "evolvestack data import: give the export file (or - for standard input)")
			return 2
		}
		err = dataImport(ctx, *dir, *endpoint, *token, fs.Arg(0), *force)
	}
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack data %s: %v\n", sub, err)
		return 1
	}
	return 0
}

func dataExport(ctx context.Context, dir, endpoint, token, out string, stdout io.Writer) error {
	w := stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if dir != "" {
		rows, err := persist.ReadRows(dir, nil)
		if err != nil {
			return err
		}
		return emulator.WriteExport(w, rows)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+handlers.AdminPrefix+"data/export", nil)
	if err != nil {
		return err
	}
	resp, err := adminDo(req, token)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

func dataImport(ctx context.Context, dir, endpoint, token, in string, force bool) error {
	var r io.Reader = os.Stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if dir != "" {
		rows, err := emulator.ReadExport(r)
		if err != nil {
			return err
		}
		if !force {
			held, err := dirHoldsState(dir)
			if err != nil {
				return err
			}
			if held {
				return fmt.Errorf("data dir %s already holds state: --force replaces it", dir)
			}
		}
		return persist.WriteSnapshot(dir, rows, nil)
	}
	body, err := io.ReadAll(io.LimitReader(r, handlers.MaxImportBytes+1))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(endpoint, "/")+handlers.AdminPrefix+"data/import", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := adminDo(req, token)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// dirHoldsState reports whether dir holds rows.
func dirHoldsState(dir string) (bool, error) {
	if _, err := os.Stat(dir + "/FORMAT"); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	rows, err := persist.ReadRows(dir, nil)
	return len(rows) > 0, err
}

// adminDo sends an admin request and returns a 2xx answer, or the error
// the instance gave.
func adminDo(req *http.Request, token string) (*http.Response, error) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return resp, nil
}
