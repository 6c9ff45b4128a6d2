package main

import (
	"fmt"
	"strings"
)

func (g *generator) descriptorFile() (string, error) {
	md := g.m.Metadata
	var b strings.Builder
	fmt.Fprintf(&b, "%spackage %s\n\n", generatedHeader, g.pkg)
	b.WriteString("import (\n\"context\"\n\"fmt\"\n\n\"github.com/evolvestack/evolvestack/emulator/awsapi\"\n)\n\n")
	signing := md.str("signingName")
	if signing == "" {
		signing = md.str("endpointPrefix")
	}
	_, queryCompat := md.get("awsQueryCompatible")
	b.WriteString("// Descriptor describes the service's API model.\n")
	b.WriteString("func Descriptor() *awsapi.ServiceDescriptor {\nreturn &awsapi.ServiceDescriptor{\n")
	fmt.Fprintf(&b, "Name: %q,\n", g.m.Service)
	fmt.Fprintf(&b, "Protocol: %q,\n", md.str("protocol"))
	fmt.Fprintf(&b, "JSONVersion: %q,\n", md.str("jsonVersion"))
	fmt.Fprintf(&b, "TargetPrefix: %q,\n", md.str("targetPrefix"))
	fmt.Fprintf(&b, "APIVersion: %q,\n", md.str("apiVersion"))
	fmt.Fprintf(&b, "EndpointPrefix: %q,\n", md.str("endpointPrefix"))
	fmt.Fprintf(&b, "SigningName: %q,\n", signing)
	fmt.Fprintf(&b, "XMLNamespace: %q,\n", md.str("xmlNamespace"))
	fmt.Fprintf(&b, "QueryCompatible: %v,\n", queryCompat)
	b.WriteString("AllOperations: []string{\n")
	for _, n := range g.m.OperationNames {
		fmt.Fprintf(&b, "%q,\n", n)
	}
	b.WriteString("},\nOperations: []awsapi.Operation{\n")
	for _, op := range g.m.Operations {
		fmt.Fprintf(&b, "{Name: %q, HTTPMethod: %q, RequestURI: %q, ResponseCode: %d, InputShape: %q, OutputShape: %q, ResultWrapper: %q},\n",
			op.Name, op.HTTPMethod, op.RequestURI, op.ResponseCode, op.Input, op.Output, op.ResultWrapper)
	}
	b.WriteString("},\nErrors: []awsapi.ErrorShape{\n")
	for _, name := range g.m.ShapeNames {
		sh := g.m.Shapes[name]
		if !sh.Exception {
			continue
		}
		status := sh.ErrorStatus
		if status == 0 {
			status = 400
			if sh.Fault {
				status = 500
			}
		}
		sender := !sh.Fault
		if sh.HasErrorTrait {
			sender = sh.SenderFault
		}
		msg := ""
		for _, m := range sh.Members {
			if strings.EqualFold(m.Name, "message") {
				msg = m.Name
				break
			}
		}
		fmt.Fprintf(&b, "{Name: %q, Code: %q, HTTPStatus: %d, SenderFault: %v, MessageMember: %q},\n",
			name, sh.ErrorCode, status, sender, msg)
	}
	b.WriteString("},\nNewInput: apigenNewInput,\nInvoke: apigenInvoke,\n}\n}\n\n")

	b.WriteString("func apigenNewInput(op string) any {\nswitch op {\n")
	for _, op := range g.m.Operations {
		fmt.Fprintf(&b, "case %q:\nreturn &%s{}\n", op.Name, g.inputOf[op.Name])
	}
	b.WriteString("}\nreturn nil\n}\n\n")

	b.WriteString("func apigenInvoke(ctx context.Context, svc any, op string, in any) (any, error) {\nswitch op {\n")
	for _, op := range g.m.Operations {
		inT, outT := g.inputOf[op.Name], g.outputOf[op.Name]
		fmt.Fprintf(&b, "case %q:\n", op.Name)
		fmt.Fprintf(&b, "impl, ok := svc.(interface {\n%s(context.Context, *%s) (*%s, error)\n})\n", op.Name, inT, outT)
		b.WriteString("if !ok {\nreturn nil, awsapi.ErrNotImplemented\n}\n")
		fmt.Fprintf(&b, "input, ok := in.(*%s)\nif !ok {\nreturn nil, fmt.Errorf(\"%s: input is %%T, want *%s\", in)\n}\n", inT, op.Name, inT)
		fmt.Fprintf(&b, "out, err := impl.%s(ctx, input)\nif err != nil || out == nil {\nreturn nil, err\n}\nreturn out, nil\n", op.Name)
	}
	b.WriteString("}\nreturn nil, fmt.Errorf(\"%w: unknown operation %q\", awsapi.ErrNotImplemented, op)\n}\n")
	return b.String(), nil
}
