package registry_test

import (
	"fmt"
	"strings"
)

// Generators of large but realistic definitions, near Glue's 170,000-byte
// limit: the definition-limits tests require that they still register.

// avroWideTable is a CDC-style record for a very wide table: ~1,700
// columns (beyond PostgreSQL's 1,600), a third of them logical types, some
// with docs, inside a Debezium-like envelope.
func avroWideTable() string {
	var fields []string
	size := 0
	for i := 0; size < 150000; i++ {
		var f string
		switch i % 6 {
		case 0:
			f = fmt.Sprintf(`{"name":"customer_attr_%04d","type":["null","string"],"default":null,"doc":"Source column %d"}`, i, i)
		case 1:
			f = fmt.Sprintf(`{"name":"updated_at_%04d","type":["null",{"type":"long","logicalType":"timestamp-millis"}],"default":null}`, i)
		case 2:
			f = fmt.Sprintf(`{"name":"amount_%04d","type":["null",{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}],"default":null}`, i)
		case 3:
			f = fmt.Sprintf(`{"name":"counter_%04d","type":["null","long"],"default":null}`, i)
		case 4:
			f = fmt.Sprintf(`{"name":"flag_%04d","type":"boolean","default":false}`, i)
		default:
			f = fmt.Sprintf(`{"name":"ratio_%04d","type":["null","double"],"default":null,"doc":"Ratio %d"}`, i, i)
		}
		fields = append(fields, f)
		size += len(f) + 1
	}
	value := `{"type":"record","name":"Value","namespace":"dbserver1.inventory.customers","fields":[` + strings.Join(fields, ",") + `]}`
	return `{"type":"record","name":"Envelope","namespace":"dbserver1.inventory.customers","fields":[` +
		`{"name":"before","type":["null",` + value + `],"default":null},` +
		`{"name":"after","type":["null","Value"],"default":null},` +
		`{"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.postgresql","fields":[` +
		`{"name":"version","type":"string"},{"name":"connector","type":"string"},{"name":"name","type":"string"},` +
		`{"name":"ts_ms","type":"long"},{"name":"snapshot","type":[{"type":"string","connect.version":1,"connect.parameters":{"allowed":"true,last,false,incremental"},"connect.default":"false","connect.name":"io.debezium.data.Enum"},"null"],"default":"false"},` +
		`{"name":"db","type":"string"},{"name":"schema","type":"string"},{"name":"table","type":"string"},{"name":"txId","type":["null","long"],"default":null},{"name":"lsn","type":["null","long"],"default":null}]}},` +
		`{"name":"op","type":"string"},{"name":"ts_ms","type":["null","long"],"default":null}]}`
}

// avroDomainModel is an event model of many nested records, arrays, maps
// and enums, a few levels deep.
func avroDomainModel() string {
	var events []string
	size := 0
	for i := 0; size < 160000; i++ {
		e := fmt.Sprintf(`{"type":"record","name":"Event%d","namespace":"com.example.commerce.events.v1","doc":"Emitted when entity %d changes.","fields":[`+
			`{"name":"id","type":{"type":"string","logicalType":"uuid"}},`+
			`{"name":"occurredAt","type":{"type":"long","logicalType":"timestamp-micros"}},`+
			`{"name":"status","type":{"type":"enum","name":"Status%d","symbols":["PENDING","ACTIVE","SUSPENDED","CLOSED"],"default":"PENDING"}},`+
			`{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line%d","fields":[`+
			`{"name":"sku","type":"string"},{"name":"quantity","type":"int"},`+
			`{"name":"price","type":{"type":"record","name":"Money%d","fields":[{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}},{"name":"currency","type":{"type":"fixed","name":"Currency%d","size":3}}]}},`+
			`{"name":"attributes","type":{"type":"map","values":["null","string","long"]},"default":{}}]}}},`+
			`{"name":"shipping","type":["null",{"type":"record","name":"Address%d","fields":[{"name":"street","type":"string"},{"name":"city","type":"string"},{"name":"postcode","type":["null","string"],"default":null},{"name":"country","type":"Currency%d"}]}],"default":null}]}`,
			i, i, i, i, i, i, i, i)
		events = append(events, e)
		size += len(e) + 1
	}
	return "[" + strings.Join(events, ",") + "]"
}

// jsonCRD is shaped like a Kubernetes custom resource schema: objects
// nested eight levels deep, described properties, arrays of objects,
// enums, patterns and formats.
func jsonCRD() string {
	var b strings.Builder // the resource being written
	var obj func(level, width int, name string)
	count := 0
	obj = func(level, width int, name string) {
		fmt.Fprintf(&b, `{"type":"object","description":"%s holds the settings of this part of the resource; see the operator documentation.","properties":{`, name)
		for i := range width {
			if i > 0 {
				b.WriteByte(',')
			}
			count++
			key := fmt.Sprintf("%sField%d", strings.ToLower(name[:1])+name[1:], i)
			switch {
			case level < 7 && i == 0:
				fmt.Fprintf(&b, `"%s":`, key)
				obj(level+1, width, fmt.Sprintf("Nested%d", level))
			case level < 7 && i == 1:
				fmt.Fprintf(&b, `"%s":{"type":"array","description":"A list of entries.","items":`, key)
				obj(level+1, max(width/2, 2), fmt.Sprintf("Item%d", level))
				b.WriteString(`}`)
			case i%4 == 2:
				fmt.Fprintf(&b, `"%s":{"type":"string","description":"Name of the referenced object.","pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$","maxLength":253}`, key)
			case i%4 == 3:
				fmt.Fprintf(&b, `"%s":{"type":"integer","format":"int32","minimum":0,"maximum":65535,"description":"A port number."}`, key)
			case i%4 == 0:
				fmt.Fprintf(&b, `"%s":{"type":"string","enum":["Always","IfNotPresent","Never"],"default":"IfNotPresent"}`, key)
			default:
				fmt.Fprintf(&b, `"%s":{"type":"object","additionalProperties":{"type":"string"},"description":"Labels."}`, key)
			}
		}
		b.WriteString(`},"required":["` + strings.ToLower(name[:1]) + name[1:] + `Field0"]}`)
	}
	// As many top-level definitions as fit.
	const head = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","definitions":{`
	const tail = `},"properties":{"spec":{"$ref":"#/definitions/Resource0"},"status":{"$ref":"#/definitions/Resource1"}}}`
	var defs []string
	size := len(head) + len(tail)
	for i := 0; ; i++ {
		b.Reset()
		fmt.Fprintf(&b, `"Resource%d":`, i)
		obj(0, 5, fmt.Sprintf("Resource%d", i))
		if size+b.Len()+1 > 169000 {
			break
		}
		defs = append(defs, b.String())
		size += b.Len() + 1
	}
	return head + strings.Join(defs, ",") + tail
}

// jsonWideObject is a flat object of ~1,150 described properties.
func jsonWideObject() string {
	var props []string
	size := 0
	for i := 0; size < 160000; i++ {
		p := fmt.Sprintf(`"attribute_%04d":{"type":["string","null"],"maxLength":255,"description":"Attribute %d of the record, as exported by the source system."}`, i, i)
		props = append(props, p)
		size += len(p) + 1
	}
	return `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,"properties":{` + strings.Join(props, ",") + `}}`
}

// protoAPI is shaped like a large gRPC API file: many commented messages
// with scalar, enum, repeated, map and oneof fields, a few nested types,
// and a service.
func protoAPI() string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\n\npackage example.commerce.orders.v1;\n\nimport \"google/protobuf/timestamp.proto\";\nimport \"google/protobuf/field_mask.proto\";\n\noption java_multiple_files = true;\noption java_package = \"com.example.commerce.orders.v1\";\noption go_package = \"example.com/commerce/orders/v1;ordersv1\";\n\n")
	for i := 0; b.Len() < 162000; i++ {
		fmt.Fprintf(&b, `// Order%d is one order of the commerce domain.
// It is created by CreateOrder%d and changed by UpdateOrder%d.
message Order%d {
  // State is where the order is in its life cycle.
  enum State {
    STATE_UNSPECIFIED = 0;
    STATE_PENDING = 1;
    STATE_PAID = 2;
    STATE_SHIPPED = 3;
  }
  // Line is one item of the order.
  message Line {
    string sku = 1;
    int32 quantity = 2;
    int64 unit_price_micros = 3;
    map<string, string> attributes = 4;
  }
  // The resource name, "orders/{order}".
  string name = 1;
  State state = 2;
  repeated Line lines = 3;
  google.protobuf.Timestamp create_time = 4;
  google.protobuf.Timestamp update_time = 5;
  oneof payment {
    string card_token = 6;
    string invoice_id = 7;
  }
  optional string note = 8 [deprecated = true];
  reserved 9, 10;
  reserved "legacy_id";
}

message UpdateOrder%dRequest {
  Order%d order = 1;
  google.protobuf.FieldMask update_mask = 2;
}

`, i, i, i, i, i, i)
	}
	b.WriteString("service Orders {\n  rpc UpdateOrder(UpdateOrder0Request) returns (Order0);\n}\n")
	return b.String()
}
