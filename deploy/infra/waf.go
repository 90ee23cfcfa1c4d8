package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// SigninPath is the API path the WAF rate rule protects.
const SigninPath = "/api/v1/session"

// SigninRateLimit is the requests per source address per five minutes to
// SigninPath above which the web ACL blocks; the app's own per-account and
// per-address limits sit behind it.
const SigninRateLimit = 100

// NewWebACL is the CloudFront web ACL of the hardened profile: AWS managed
// common, known-bad-inputs and IP-reputation rules and a rate rule on
// sign-in, logging the requests it blocks or counts to a log group
// encrypted with key. It must be created in us-east-1.
func NewWebACL(scope constructs.Construct, id string, key awskms.IKey, retention awslogs.RetentionDays) awswafv2.CfnWebACL {
	vis := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(name),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	managed := func(priority float64, name string, overrides []interface{}) *awswafv2.CfnWebACL_RuleProperty {
		st := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(name)}
		if overrides != nil {
			st.RuleActionOverrides = overrides
		}
		return &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(name),
			Priority:         jsii.Number(priority),
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]interface{}{}},
			Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: st},
			VisibilityConfig: vis(name),
		}
	}
	// The common rule set blocks bodies over 8 KB; spreadsheet imports are
	// larger and the app enforces its own size limits, so that one rule
	// only counts.
	common := managed(0, "AWSManagedRulesCommonRuleSet", []interface{}{
		&awswafv2.CfnWebACL_RuleActionOverrideProperty{
			Name:        jsii.String("SizeRestrictions_BODY"),
			ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]interface{}{}},
		},
	})
	rate := &awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String("SigninRate"),
		Priority: jsii.Number(3),
		Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]interface{}{}},
		Statement: &awswafv2.CfnWebACL_StatementProperty{
			RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				Limit:               jsii.Number(SigninRateLimit),
				EvaluationWindowSec: jsii.Number(300),
				AggregateKeyType:    jsii.String("IP"),
				ScopeDownStatement: &awswafv2.CfnWebACL_StatementProperty{
					ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
						FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]interface{}{}},
						PositionalConstraint: jsii.String("STARTS_WITH"),
						SearchString:         jsii.String(SigninPath),
						TextTransformations: []interface{}{
							&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("LOWERCASE")},
						},
					},
				},
			},
		},
		VisibilityConfig: vis("SigninRate"),
	}
	acl := awswafv2.NewCfnWebACL(scope, jsii.String(id), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]interface{}{}},
		VisibilityConfig: vis("BpTrackerWebAcl"),
		Rules: []interface{}{
			common,
			managed(1, "AWSManagedRulesKnownBadInputsRuleSet", nil),
			managed(2, "AWSManagedRulesAmazonIpReputationList", nil),
			rate,
		},
	})
	stack := awscdk.Stack_Of(scope)
	// WAF requires the aws-waf-logs- prefix.
	name := "aws-waf-logs-" + *stack.StackName()
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(name),
		Retention:     retention,
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	logging := awswafv2.NewCfnLoggingConfiguration(scope, jsii.String(id+"Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn: acl.AttrArn(),
		LogDestinationConfigs: &[]interface{}{stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
		// The session cookie and any credentials never reach the log.
		RedactedFields: []interface{}{
			map[string]interface{}{"SingleHeader": map[string]interface{}{"Name": "cookie"}},
			map[string]interface{}{"SingleHeader": map[string]interface{}{"Name": "authorization"}},
			map[string]interface{}{"SingleHeader": map[string]interface{}{"Name": "x-origin-verify"}},
		},
		// Only what the ACL blocked or counted: allowed traffic is already in
		// the app's audit trail, and logging it would cost ingest per request.
		LoggingFilter: map[string]interface{}{
			"DefaultBehavior": "DROP",
			"Filters": []interface{}{map[string]interface{}{
				"Behavior":    "KEEP",
				"Requirement": "MEETS_ANY",
				"Conditions": []interface{}{
					map[string]interface{}{"ActionCondition": map[string]interface{}{"Action": "BLOCK"}},
					map[string]interface{}{"ActionCondition": map[string]interface{}{"Action": "COUNT"}},
				},
			}},
		},
	})
	logging.Node().AddDependency(logs)
	return acl
}

// NewEdgeStack is the us-east-1 stack holding only the web ACL, for a
// hardened deployment whose main stack lives in another region: deploy it
// first and pass its WebAclArn output as -c webAclArn=….
func NewEdgeStack(scope constructs.Construct) awscdk.Stack {
	s := awscdk.NewStack(scope, jsii.String(EdgeStackName), &awscdk.StackProps{
		Env:         &awscdk.Environment{Region: jsii.String("us-east-1")},
		Description: jsii.String("BP Tracker hardened: CloudFront web ACL (us-east-1)"),
	})
	key := awskms.NewKey(s, jsii.String("WafLogsKey"), &awskms.KeyProps{
		Description:       jsii.String("BP Tracker web ACL logs"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	allowLogs(key)
	acl := NewWebACL(s, "WebAcl", key, awslogs.RetentionDays_ONE_YEAR)
	awscdk.NewCfnOutput(s, jsii.String("WebAclArn"), &awscdk.CfnOutputProps{
		Value: acl.AttrArn(), Description: jsii.String("Pass as -c webAclArn=… to the hardened stack"),
	})
	return s
}
