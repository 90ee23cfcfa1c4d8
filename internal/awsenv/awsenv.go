// Package awsenv builds an AWS SDK configuration from the standard
// environment variables alone, the way Lambda supplies it: AWS_REGION and
// the execution role's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN.
//
// It exists for the Lambda binary's size: the SDK's config.LoadDefaultConfig
// links the whole credential chain (shared files, SSO, STS, the IMDS
// client, sign-in), about 2 MB of bootstrap that a function never uses. The
// command-line tool, which runs on workstations with profiles and SSO,
// keeps LoadDefaultConfig. DNSSuffix says where a region's endpoints are,
// for the few calls made without an SDK client (kek, transfer).
package awsenv

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns the configuration read from getenv, or an error naming
// every variable that is missing.
func Config(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	var errs []error
	if region == "" {
		errs = append(errs, errors.New("AWS_REGION is not set (Lambda sets it; set it when running elsewhere)"))
	}
	if id == "" || secret == "" {
		errs = append(errs, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function's role)"))
	}
	if err := errors.Join(errs...); err != nil {
		return aws.Config{}, err
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN")),
	}, nil
}

// DNSSuffix is the domain of region's public endpoints (service.region.suffix).
func DNSSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}
