package infra

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Reasons for each cdk-nag HIPAA finding left in place: why it is safe, or
// which control replaces it. Each is attached to the resources it covers,
// never to the whole stack, so a new resource is checked afresh.
const (
	reasonReplication = "Cross-region replication would double storage and needs a second region. " +
		"Availability is covered instead by versioning, the six-year lifecycle and (for the audit trail) " +
		"CloudTrail log-file validation; the web bucket is rebuilt from source by every deploy."
	reasonAccessLogSSE = "S3 server access logs can only be delivered to a bucket encrypted with SSE-S3 (AES-256); " +
		"the logs hold object keys and request metadata, no health data."
	reasonAccessLogLogging = "This is the access-log bucket itself: logging it into itself would loop."
	reasonFreeSSE          = "Free profile: encrypted at rest with SSE-S3 (AES-256, AWS-owned keys) to stay at $0; " +
		"health fields are encrypted by the application with per-patient data keys before they reach any store. " +
		"The hardened profile uses a customer managed KMS key here."
	reasonFreeLogs = "Free profile: CloudWatch Logs encrypts every log group at rest with service keys; the app logs ids " +
		"and action names only, never health data (DESIGN.md). The hardened profile uses a customer managed KMS key."
	reasonFreeTopic = "Free profile: alarm notifications carry alarm names and metric values, no health data; the AWS managed " +
		"aws/sns key cannot be used by CloudWatch alarms and a customer key costs $1/month. Hardened uses a CMK."
	reasonFreeTrail = "Free profile: the trail bucket is encrypted with SSE-S3 (AES-256) and log files are integrity-checked " +
		"with log-file validation; the hardened profile encrypts the trail with a customer managed KMS key."
	reasonTransferVersioning = "The transfer bucket holds only short-lived copies of exports too large for Lambda's 6 MB " +
		"response, under random keys written once and never overwritten, deleted by lifecycle after a day; the export " +
		"can be made again from the table at any time. Versioning would keep copies of health data longer, not protect any."
	reasonTransferReplication = "The transfer bucket holds only short-lived copies of exports (deleted after a day) that " +
		"the app can make again from the table; replicating them would put more copies of health data in a second region."
	reasonFreeTransferSSE = "Free profile: exports waiting in the transfer bucket are encrypted at rest with SSE-S3 " +
		"(AES-256, AWS-owned keys) to stay at $0, reachable only over TLS by a five-minute URL signed by the function, " +
		"and deleted after a day. The hardened profile uses a customer managed KMS key here."
	reasonIndexScaling = "Free profile: the table scales between fixed bounds and each index has a fixed share so the total " +
		"never passes the always-free 25 RCU/25 WCU; scaling the indexes would only move units inside the same cap " +
		"while adding four billable CloudWatch alarms. The hardened profile is on demand."
	reasonCDKRole = "This role and its default policy are created by CDK's own construct (%s), which writes its grants " +
		"inline; its statements are limited to that construct's resources."
	reasonFunctionDLQ = "The function is invoked synchronously through its function URL: a dead-letter queue applies only " +
		"to asynchronous invocations. Failures reach the caller as errors and raise the FunctionErrors alarm."
	reasonFunctionVPC = "The function reaches only AWS APIs (DynamoDB, Cognito, SSM/KMS, S3) over TLS with IAM-signed requests " +
		"and is reachable only through CloudFront with origin access control (function URL auth AWS_IAM). A VPC without " +
		"NAT needs interface endpoints at about $7.30/month per AZ each; the hardened profile offers it with -c vpc=true."
	reasonDeployDLQ = "CDK's web-app deployment function runs only during CloudFormation deployments; a failure fails the " +
		"deployment and is reported by CloudFormation, so a dead-letter queue would hold nothing actionable."
	reasonDeployVPC         = "CDK's web-app deployment function runs only during deployments and talks only to S3 and CloudFront APIs."
	reasonDeployConcurrency = "CDK's web-app deployment function runs once per deployment; reserving concurrency for it " +
		"would take capacity from the account's pool for nothing."
)

func suppress(c constructs.IConstruct, rules ...[2]string) {
	list := make([]*cdknag.NagPackSuppression, 0, len(rules))
	for _, r := range rules {
		list = append(list, &cdknag.NagPackSuppression{Id: jsii.String("HIPAA.Security-" + r[0]), Reason: jsii.String(r[1])})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(true))
}

func rule(id, reason string) [2]string { return [2]string{id, reason} }

// addSuppressions records, in code, why each cdk-nag HIPAA finding that
// remains is safe or which control replaces it.
func addSuppressions(s *Stack) {
	suppress(s.AccessLogs,
		rule("S3BucketReplicationEnabled", reasonReplication),
		rule("S3DefaultEncryptionKMS", reasonAccessLogSSE),
		rule("S3BucketLoggingEnabled", reasonAccessLogLogging))
	buckets := []constructs.IConstruct{s.TrailBucket, s.WebBucket}
	if s.ExportBucket != nil {
		buckets = append(buckets, s.ExportBucket)
	}
	for _, b := range buckets {
		suppress(b, rule("S3BucketReplicationEnabled", reasonReplication))
	}
	suppress(s.TransferBucket,
		rule("S3BucketReplicationEnabled", reasonTransferReplication),
		rule("S3BucketVersioningEnabled", reasonTransferVersioning))
	if !s.Config.Hardened() {
		suppress(s.TransferBucket, rule("S3DefaultEncryptionKMS", reasonFreeTransferSSE))
		suppress(s.TrailBucket, rule("S3DefaultEncryptionKMS", reasonFreeSSE))
		suppress(s.WebBucket, rule("S3DefaultEncryptionKMS", reasonFreeSSE))
		suppress(s.Topic, rule("SNSEncryptedKMS", reasonFreeTopic))
		for _, g := range s.LogGroups {
			suppress(g, rule("CloudWatchLogGroupEncrypted", reasonFreeLogs))
		}
		suppress(s.Trail, rule("CloudTrailEncryptionEnabled", reasonFreeTrail))
		suppress(s.Table, rule("DynamoDBAutoScalingEnabled", reasonIndexScaling))
	}
	suppress(s.Trail.Node().FindChild(jsii.String("LogsRole")),
		rule("IAMNoInlinePolicy", strings.Replace(reasonCDKRole, "%s", "CloudTrail's CloudWatch Logs delivery role", 1)))
	suppress(s.Function, rule("LambdaDLQ", reasonFunctionDLQ))
	if s.VPC == nil {
		suppress(s.Function, rule("LambdaInsideVPC", reasonFunctionVPC))
	} else {
		suppress(s.VPC.Node().FindChild(jsii.String("FlowLog")),
			rule("IAMNoInlinePolicy", strings.Replace(reasonCDKRole, "%s", "the VPC flow log's delivery role", 1)))
	}
	for _, c := range *s.Stack.Node().Children() {
		if strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			suppress(c,
				rule("IAMNoInlinePolicy", strings.Replace(reasonCDKRole, "%s", "BucketDeployment", 1)),
				rule("LambdaDLQ", reasonDeployDLQ),
				rule("LambdaInsideVPC", reasonDeployVPC),
				rule("LambdaConcurrency", reasonDeployConcurrency))
		}
	}
}
