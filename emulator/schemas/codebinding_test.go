package schemas

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// bindingEvent is a real event of the schema the binding tests generate
// code for: nested objects, arrays of objects, timestamps, numbers, null.
const bindingEvent = `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Order Placed","source":"com.shop.orders",` +
	`"account":"000000000000","time":"2026-12-06T22:00:00Z","region":"us-east-1","resources":["arn:aws:x"],` +
	`"detail":{"orderId":"o-1","total":12.5,"count":3,"placedAt":"2026-12-06T21:59:00Z","gift":false,"note":null,` +
	`"customer":{"id":"c-1","tier":"gold","address":{"city":"Berlin"}},"lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"tags":["x","y"],"class":"k"}}`

// putBindingSchema stores the discovered schema of bindingEvent and
// returns its name.
func putBindingSchema(t *testing.T, s *Service) string {
	t.Helper()
	inf, err := inferEvent([]byte(bindingEvent))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.putDiscovered(discoveredRegistryName, inf.schemaName, inf.content, string(TypeOpenApi3)); err != nil {
		t.Fatal(err)
	}
	return inf.schemaName
}

func unzipTo(t *testing.T, data []byte, dir string) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		_ = rc.Close()
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(names)
	return names
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func TestCodeBindingLifecycle(t *testing.T) {
	t.Parallel()
	s, c := newDiscoveryService(t)
	ctx := context.Background()
	name := putBindingSchema(t, s)
	in := &PutCodeBindingInput{RegistryName: dscStr(discoveredRegistryName), SchemaName: &name, Language: dscStr(langGo1)}
	put, err := s.PutCodeBinding(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if put.Status != CodeGenerationStatusCreateInProgress || dscDeref(put.SchemaVersion) != "1" {
		t.Fatalf("PutCodeBinding = %+v", put)
	}
	desc := &DescribeCodeBindingInput{RegistryName: in.RegistryName, SchemaName: &name, Language: in.Language}
	src := &GetCodeBindingSourceInput{RegistryName: in.RegistryName, SchemaName: &name, Language: in.Language}
	if _, err := s.GetCodeBindingSource(ctx, src); code(err) != ErrCodeNotFoundException {
		t.Errorf("source while in progress: %v", err)
	}
	if err := c.Advance(CodeBindingDelay); err != nil {
		t.Fatal(err)
	}
	if d, err := s.DescribeCodeBinding(ctx, desc); err != nil || d.Status != CodeGenerationStatusCreateComplete {
		t.Fatalf("DescribeCodeBinding = %+v, %v", d, err)
	}
	if again, err := s.PutCodeBinding(ctx, in); code(err) != ErrCodeConflictException {
		t.Errorf("second PutCodeBinding = %+v, %v; want ConflictException", again, err)
	}
	if out, err := s.GetCodeBindingSource(ctx, src); err != nil || len(out.Body) == 0 {
		t.Fatalf("GetCodeBindingSource = %v", err)
	}
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"unknown language", func() error {
			_, err := s.PutCodeBinding(ctx, &PutCodeBindingInput{RegistryName: in.RegistryName, SchemaName: &name, Language: dscStr("Rust1")})
			return err
		}, ErrCodeBadRequestException},
		{"missing schema", func() error {
			_, err := s.PutCodeBinding(ctx, &PutCodeBindingInput{RegistryName: in.RegistryName, SchemaName: dscStr("nope"), Language: in.Language})
			return err
		}, ErrCodeNotFoundException},
		{"missing version", func() error {
			_, err := s.PutCodeBinding(ctx, &PutCodeBindingInput{RegistryName: in.RegistryName, SchemaName: &name, Language: in.Language, SchemaVersion: dscStr("7")})
			return err
		}, ErrCodeNotFoundException},
		{"binding never put", func() error {
			_, err := s.DescribeCodeBinding(ctx, &DescribeCodeBindingInput{RegistryName: in.RegistryName, SchemaName: &name, Language: dscStr(langJava8)})
			return err
		}, ErrCodeNotFoundException},
	} {
		if got := code(tc.call()); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// bindingSource generates the binding of lang for the test schema.
func bindingSource(t *testing.T, lang string) []byte {
	t.Helper()
	s, c := newDiscoveryService(t)
	ctx := context.Background()
	name := putBindingSchema(t, s)
	if _, err := s.PutCodeBinding(ctx, &PutCodeBindingInput{RegistryName: dscStr(discoveredRegistryName), SchemaName: &name, Language: &lang}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(CodeBindingDelay); err != nil {
		t.Fatal(err)
	}
	out, err := s.GetCodeBindingSource(ctx, &GetCodeBindingSourceInput{RegistryName: dscStr(discoveredRegistryName), SchemaName: &name, Language: &lang})
	if err != nil {
		t.Fatal(err)
	}
	return out.Body
}

// TestGoCodeBindingCompilesAndUnmarshals writes the Go1 binding into a
// module, vets it, and runs a program that unmarshals a real event.
func TestGoCodeBindingCompilesAndUnmarshals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unzipTo(t, bindingSource(t, langGo1), dir)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/consumer\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := `package main

import (
	"fmt"
	"os"

	"example.com/consumer/schema/com/shop/orders/orderplaced"
)

func main() {
	ev, err := orderplaced.Unmarshal([]byte(os.Args[1]))
	if err != nil {
		panic(err)
	}
	d := ev.Detail
	fmt.Println(ev.DetailType, d.OrderId, d.Total, d.Count, d.PlacedAt.Format("15:04"), d.Customer.Address.City, len(d.Lines), d.Lines[1].Qty, d.Tags[0], d.Class, ev.Time.Year())
	out, err := orderplaced.Marshal(ev)
	if err != nil || len(out) == 0 {
		panic(err)
	}
}
`
	if err := os.MkdirAll(filepath.Join(dir, "cmd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmd", "main.go"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	run(t, dir, goBin, "vet", "./...")
	got := strings.TrimSpace(run(t, dir, goBin, "run", "./cmd", bindingEvent))
	if want := "Order Placed o-1 12.5 3 21:59 Berlin 2 2 x k 2026"; got != want {
		t.Errorf("program printed %q, want %q", got, want)
	}
}

// TestPythonCodeBindingRuns imports the Python36 binding and unmarshals a
// real event with its Marshaller.
func TestPythonCodeBindingRuns(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed to check the Python binding:", err)
	}
	dir := t.TempDir()
	names := unzipTo(t, bindingSource(t, langPython36), dir)
	if !contains(names, "schema/com/shop/orders/orderplaced/marshaller.py") || !contains(names, "schema/__init__.py") {
		t.Fatalf("files: %v", names)
	}
	script := `import sys
from schema.com.shop.orders.orderplaced import Marshaller, AWSEvent
ev = Marshaller.unmarshall(sys.argv[1], AWSEvent)
d = ev.detail
print(ev.detail_type, d.order_id, d.total, d.placed_at.minute, d.customer.address.city, d.lines[1].qty, d.class_, ev.time.year)
assert Marshaller.marshall(ev)
`
	got := strings.TrimSpace(run(t, dir, py, "-c", script, bindingEvent))
	if want := "Order Placed o-1 12.5 59 Berlin 2 k 2026"; got != want {
		t.Errorf("script printed %q, want %q", got, want)
	}
}

// TestJavaCodeBindingCompiles compiles the Java8 binding with javac.
func TestJavaCodeBindingCompiles(t *testing.T) {
	t.Parallel()
	javac, err := exec.LookPath("javac")
	if err != nil {
		t.Fatal("javac is needed to check the Java binding:", err)
	}
	dir := t.TempDir()
	names := unzipTo(t, bindingSource(t, langJava8), dir)
	var srcs []string
	for _, n := range names {
		if strings.HasSuffix(n, ".java") {
			srcs = append(srcs, filepath.FromSlash(n))
		}
	}
	if !contains(names, "src/main/java/schema/com/shop/orders/orderplaced/AWSEvent.java") {
		t.Fatalf("files: %v", names)
	}
	run(t, dir, javac, append([]string{"-d", filepath.Join(dir, "out")}, srcs...)...)
	if _, err := os.Stat(filepath.Join(dir, "out", "schema", "com", "shop", "orders", "orderplaced", "OrderPlaced.class")); err != nil {
		t.Error(err)
	}
}

// TestTypeScriptCodeBindingGolden checks the TypeScript3 binding's files
// and the classes it declares.
func TestTypeScriptCodeBindingGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	names := unzipTo(t, bindingSource(t, langTypeScript3), dir)
	base := "schema/com/shop/orders/orderplaced/"
	want := []string{"AWSEvent.ts", "Address.ts", "Customer.ts", "LinesItem.ts", "Marshaller.ts", "OrderPlaced.ts", "index.ts"}
	for i := range want {
		want[i] = base + want[i]
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("files\n got %v\nwant %v", names, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(base+"Customer.ts")))
	if err != nil {
		t.Fatal(err)
	}
	wantCustomer := "import { Address } from './Address';\n\n// Generated by evolvestack from the schema.\nexport class Customer {\n" +
		"  \"address\"!: Address;\n  \"id\"!: string;\n  \"tier\"!: string;\n}\n"
	if string(b) != wantCustomer {
		t.Errorf("Customer.ts\n got %q\nwant %q", b, wantCustomer)
	}
	b, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(base+"OrderPlaced.ts")))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{`"lines"!: Array<LinesItem>;`, `"placedAt"!: Date;`, `"total"!: number;`, `"note"!: any;`, `"gift"!: boolean;`} {
		if !strings.Contains(string(b), line) {
			t.Errorf("OrderPlaced.ts lacks %s:\n%s", line, b)
		}
	}
}

func TestBuildBindingModel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, schema, typ, content string
		wantErr                    bool
		wantClasses, wantPath      string
	}{
		{name: "not json", schema: "s", typ: "OpenApi3", content: `{`, wantErr: true},
		{name: "no components", schema: "s", typ: "OpenApi3", content: `{"openapi":"3.0.0"}`, wantErr: true},
		{name: "dangling reference", schema: "s", typ: "OpenApi3", wantErr: true,
			content: `{"components":{"schemas":{"AWSEvent":{"type":"object","properties":{"a":{"$ref":"#/components/schemas/Missing"}}}}}}`},
		{name: "openapi without envelope", schema: "my-schema", typ: "OpenApi3", wantClasses: "Order,Line", wantPath: "schema/my_schema/",
			content: `{"components":{"schemas":{"Order":{"type":"object","properties":{"lines":{"type":"array","items":{"$ref":"#/components/schemas/Line"}}}},"Line":{"type":"object","properties":{"n":{"type":"integer"}}}}}}`},
		{name: "json schema draft 4", schema: "acme.app@Thing Happened", typ: "JSONSchemaDraft4", wantClasses: "ThingHappened,Inner,Ref", wantPath: "schema/acme/app/thinghappened/",
			content: `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{"inner":{"type":"object","properties":{"x":{"type":"string"}}},"r":{"$ref":"#/definitions/ref"}},"definitions":{"ref":{"type":"object","properties":{"y":{"type":"boolean"}}}}}`},
	} {
		m, err := buildBindingModel(tc.schema, tc.typ, tc.content)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: no error", tc.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var names []string
		for _, c := range m.classes {
			names = append(names, c.name)
		}
		if strings.Join(names, ",") != tc.wantClasses || m.dir() != tc.wantPath {
			t.Errorf("%s: classes %v in %s, want %s in %s", tc.name, names, m.dir(), tc.wantClasses, tc.wantPath)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
