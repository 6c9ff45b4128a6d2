package serde_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/evolvestack/evolvestack/registry/serde"
)

func TestConfigFromProperties(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		props   map[string]string
		want    serde.SerializerConfig
		wantErr string
	}{
		{"empty: Java defaults", map[string]string{"region": "us-east-1", "endpoint": "http://x"}, serde.SerializerConfig{}, ""},
		{"all", map[string]string{
			"registry.name": "shop", "schemaName": "orders", "dataFormat": "json", "schemaAutoRegistrationEnabled": "TRUE",
			"compatibility": "forward_all", "compression": "zlib", "cacheSize": "10", "timeToLiveMillis": "60000", "description": "d",
		}, serde.SerializerConfig{
			RegistryName: "shop", SchemaName: "orders", DataFormat: "JSON", AutoRegister: true,
			Compatibility: types.CompatibilityForwardAll, Compression: serde.CompressionZlib, CacheSize: 10, CacheTTL: time.Minute, Description: "d",
		}, ""},
		{"auto-registration not true", map[string]string{"schemaAutoRegistrationEnabled": "yes"}, serde.SerializerConfig{}, ""},
		{"bad compatibility", map[string]string{"compatibility": "SIDEWAYS"}, serde.SerializerConfig{}, "Invalid compatibility setting : SIDEWAYS"},
		{"bad compression", map[string]string{"compression": "gzip"}, serde.SerializerConfig{}, "Invalid Compression type : gzip"},
		{"bad data format", map[string]string{"dataFormat": "XML"}, serde.SerializerConfig{}, "invalid data format : XML"},
		{"bad cache size", map[string]string{"cacheSize": "big"}, serde.SerializerConfig{}, "Cache size property is not a valid size : big"},
		{"bad ttl", map[string]string{"timeToLiveMillis": "1h"}, serde.SerializerConfig{}, "Time to live cache property is not a valid time : 1h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := serde.SerializerConfigFromProperties(tt.props)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.RegistryName != tt.want.RegistryName || got.SchemaName != tt.want.SchemaName || got.DataFormat != tt.want.DataFormat ||
				got.AutoRegister != tt.want.AutoRegister || got.Compatibility != tt.want.Compatibility || got.Compression != tt.want.Compression ||
				got.CacheSize != tt.want.CacheSize || got.CacheTTL != tt.want.CacheTTL || got.Description != tt.want.Description {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			dc, err := serde.DeserializerConfigFromProperties(tt.props)
			if err != nil || dc.CacheSize != tt.want.CacheSize || dc.CacheTTL != tt.want.CacheTTL {
				t.Fatalf("deserializer config %+v, %v", dc, err)
			}
		})
	}
}

// TestPropertiesDriveTheSerializer: a Java-style property set creates the
// schema where and how the Java library would.
func TestPropertiesDriveTheSerializer(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	if _, err := c.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	cfg, err := serde.SerializerConfigFromProperties(map[string]string{
		"registry.name": "shop", "schemaName": "order-value", "schemaAutoRegistrationEnabled": "true",
		"compatibility": "FULL", "compression": "ZLIB",
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := mustSerializer(t, c, cfg).Serialize(ctx, "orders-topic", userV1, UserV1{"Ann", 30})
	if err != nil {
		t.Fatal(err)
	}
	if data[1] != byte(serde.CompressionZlib) {
		t.Errorf("compression byte %d", data[1])
	}
	sc, err := c.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: &types.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("order-value")}})
	if err != nil || sc.Compatibility != types.CompatibilityFull {
		t.Fatalf("schema %+v, %v", sc, err)
	}
}
