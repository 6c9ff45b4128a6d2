package awsapi

import "strings"

// regionPrefix reports whether p is what comes before "-<name>-<number>" in the region
// names of AWS's partitions (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b,
// aws-iso-e, aws-iso-f, aws-eusc), as the SDKs' partitions.json patterns
// have them.
func regionPrefix(p string) bool {
	switch p {
	case "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", // aws
		"cn", "eusc-de", "us-iso", "us-isob", "eu-isoe", "us-isof", "us-gov":
		return true
	}
	return false
}

// Partition is the ARN partition of region: aws-cn for cn-*, aws-us-gov
// for us-gov-*, aws otherwise.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ValidAccount reports whether id is a 12-digit AWS account id.
func ValidAccount(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ValidRegion reports whether region is a well-formed name in one of AWS's
// partitions (us-east-1, eu-central-2, cn-north-1, us-gov-west-1, ...):
// a partition's prefix, a name of word characters and a number, as the
// partitions' patterns (e.g. ^us\-gov\-\w+\-\d+$) say. A byte scan, not a
// regexp: compiling one cost every start of the binary.
func ValidRegion(region string) bool {
	if len(region) > 64 {
		return false
	}
	i := strings.LastIndexByte(region, '-')
	if i < 0 || !allBytes(region[i+1:], isDigit) {
		return false
	}
	j := strings.LastIndexByte(region[:i], '-')
	if j < 0 || !allBytes(region[j+1:i], isWord) {
		return false
	}
	return regionPrefix(region[:j])
}

// allBytes reports whether s is non-empty and every byte satisfies ok.
func allBytes(s string, ok func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// isWord is regexp's \w: an ASCII letter, digit or underscore.
func isWord(b byte) bool {
	return isDigit(b) || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '_'
}
