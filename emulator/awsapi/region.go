package awsapi

import "regexp"

// regionPattern is the union of the region patterns of AWS's partitions
// (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f,
// aws-eusc), as the SDKs' partitions.json lists them.
var regionPattern = regexp.MustCompile(`^(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+|cn-\w+-\d+|eusc-de-\w+-\d+|us-iso-\w+-\d+|us-isob-\w+-\d+|eu-isoe-\w+-\d+|us-isof-\w+-\d+|us-gov-\w+-\d+)$`)

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
// partitions (us-east-1, eu-central-2, cn-north-1, us-gov-west-1, ...).
func ValidRegion(region string) bool {
	return len(region) <= 64 && regionPattern.MatchString(region)
}
