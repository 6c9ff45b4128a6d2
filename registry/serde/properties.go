package serde

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// Property names of AWS's Java serde (AWSSchemaRegistryConstants), read
// by SerializerConfigFromProperties and DeserializerConfigFromProperties
// so that Go and Java producers can share one configuration.
const (
	PropRegistryName     = "registry.name"
	PropSchemaName       = "schemaName"
	PropDataFormat       = "dataFormat"
	PropAutoRegistration = "schemaAutoRegistrationEnabled"
	PropCompatibility    = "compatibility"
	PropCompression      = "compression"
	PropCacheSize        = "cacheSize"
	PropTimeToLiveMillis = "timeToLiveMillis"
	PropDescription      = "description"
)

// SerializerConfigFromProperties reads a SerializerConfig from the Java
// library's property names (the Prop constants); absent properties keep
// the Java defaults, other properties (region, endpoint, ...) are
// ignored. Values are parsed as the Java library parses them:
// compatibility, compression and data format case-insensitively,
// schemaAutoRegistrationEnabled true only for "true" in any case.
func SerializerConfigFromProperties(props map[string]string) (SerializerConfig, error) {
	var cfg SerializerConfig
	if v, ok := props[PropRegistryName]; ok {
		cfg.RegistryName = v
	}
	cfg.SchemaName = props[PropSchemaName]
	if v, ok := props[PropDataFormat]; ok {
		f := strings.ToUpper(v)
		if f != FormatAvro && f != FormatJSON && f != FormatProtobuf {
			return SerializerConfig{}, fmt.Errorf("serde: property %s: invalid data format : %s, accepted values are : [AVRO, JSON, PROTOBUF]", PropDataFormat, v)
		}
		cfg.DataFormat = f
	}
	cfg.AutoRegister = strings.EqualFold(props[PropAutoRegistration], "true")
	if v, ok := props[PropCompatibility]; ok {
		c := types.Compatibility(strings.ToUpper(v))
		if !validCompatibility(c) {
			return SerializerConfig{}, fmt.Errorf("serde: property %s: Invalid compatibility setting : %s, Accepted values are : %v", PropCompatibility, v, types.Compatibility("").Values())
		}
		cfg.Compatibility = c
	}
	if v, ok := props[PropCompression]; ok {
		switch strings.ToUpper(v) {
		case "NONE":
			cfg.Compression = CompressionNone
		case "ZLIB":
			cfg.Compression = CompressionZlib
		default:
			return SerializerConfig{}, fmt.Errorf("serde: property %s: Invalid Compression type : %s, Accepted values are : [NONE, ZLIB]", PropCompression, v)
		}
	}
	if v, ok := props[PropDescription]; ok {
		cfg.Description = v
	}
	var err error
	if cfg.CacheSize, cfg.CacheTTL, err = cacheProperties(props); err != nil {
		return SerializerConfig{}, err
	}
	return cfg, nil
}

// DeserializerConfigFromProperties reads a DeserializerConfig's cache
// settings from the Java library's property names (cacheSize,
// timeToLiveMillis); other properties are ignored.
func DeserializerConfigFromProperties(props map[string]string) (DeserializerConfig, error) {
	var cfg DeserializerConfig
	var err error
	if cfg.CacheSize, cfg.CacheTTL, err = cacheProperties(props); err != nil {
		return DeserializerConfig{}, err
	}
	return cfg, nil
}

func cacheProperties(props map[string]string) (size int, ttl time.Duration, err error) {
	if v, ok := props[PropCacheSize]; ok {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("serde: property %s: Cache size property is not a valid size : %s", PropCacheSize, v)
		}
		size = int(n)
	}
	if v, ok := props[PropTimeToLiveMillis]; ok {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms > int64(time.Duration(1<<63-1)/time.Millisecond) {
			return 0, 0, fmt.Errorf("serde: property %s: Time to live cache property is not a valid time : %s", PropTimeToLiveMillis, v)
		}
		ttl = time.Duration(ms) * time.Millisecond
	}
	return size, ttl, nil
}
