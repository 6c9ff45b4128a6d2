package awsapi_test

import (
	"regexp"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

func TestValidRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		region string
		ok     bool
	}{
		{"us-east-1", true}, {"eu-central-2", true}, {"ap-southeast-7", true}, {"mx-central-1", true},
		{"il-central-1", true}, {"cn-northwest-1", true}, {"us-gov-west-1", true}, {"us-iso-east-1", true},
		{"us-isob-east-1", true}, {"eu-isoe-west-1", true}, {"us-isof-south-1", true}, {"eusc-de-east-1", true},
		{"", false}, {"us-east", false}, {"xx-east-1", false}, {"US-EAST-1", false}, {"us-east-1 ", false},
		{"us-east-1/../x", false}, {"aws-global", false}, {"local", false}, {"us-east-1a", false},
		{"us-east-1-fips", false}, {"../../etc", false},
	}
	for _, tc := range tests {
		if got := awsapi.ValidRegion(tc.region); got != tc.ok {
			t.Errorf("ValidRegion(%q) = %v, want %v", tc.region, got, tc.ok)
		}
	}
}

// TestValidRegionMatchesPattern checks the byte scan against the union of
// the partitions' region patterns it replaces.
func TestValidRegionMatchesPattern(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+|cn-\w+-\d+|eusc-de-\w+-\d+|us-iso-\w+-\d+|us-isob-\w+-\d+|eu-isoe-\w+-\d+|us-isof-\w+-\d+|us-gov-\w+-\d+)$`)
	for _, r := range []string{
		"us-east-1", "us-gov-west-1", "us-gov-1", "us--1", "us-east-", "us-east-x", "-east-1", "us-east_2-10", "us-EAST-1",
		"eusc-de-east-1", "eusc-east-1", "eusc-de-1", "us-iso-east-1", "us-isoa-east-1", "cn-north-1", "cn-north-1-1",
		"eu-isoe-west-1", "eu-isoe-1", "us-isof-south-1", "us-isob-east-1", "ap-south-1\n", "ap-soüth-1", "ap-south-١",
		"mx-central-01", "il-central-99999", "us-east-1.", "us.east.1", "us-gov-west-1-", "gov-west-1",
	} {
		if got, want := awsapi.ValidRegion(r), re.MatchString(r); got != want {
			t.Errorf("ValidRegion(%q) = %v, the patterns say %v", r, got, want)
		}
	}
}

func TestHasNonSpace(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^(?s:.*\S.*)$`)
	for _, s := range []string{"", " ", "\t\n\r\f ", "a", " \n{}", "\v", "\u00a0", "\xff", "   x   ", "\n\n\n"} {
		if got, want := awsapi.HasNonSpace(s), re.MatchString(s); got != want {
			t.Errorf("HasNonSpace(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

func TestValidAccount(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9]{12}$`)
	for _, id := range []string{"", "000000000000", "123456789012", "12345678901", "1234567890123", "12345678901a", "١٢٣٤٥٦٧٨٩٠١٢", " 23456789012"} {
		if got, want := awsapi.ValidAccount(id), re.MatchString(id); got != want {
			t.Errorf("ValidAccount(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestPartition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ region, want string }{
		{"us-east-1", "aws"},
		{"eu-central-2", "aws"},
		{"cn-north-1", "aws-cn"},
		{"cn-northwest-1", "aws-cn"},
		{"us-gov-west-1", "aws-us-gov"},
		{"us-west-2", "aws"},
		{"", "aws"},
	} {
		if got := awsapi.Partition(tc.region); got != tc.want {
			t.Errorf("Partition(%q) = %q, want %q", tc.region, got, tc.want)
		}
	}
}
