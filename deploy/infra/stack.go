package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudtrail"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/bptracker/bptracker/dynamo/schema"
)

// ContentSecurityPolicy is the CSP of shared/DESIGN.md, sent by CloudFront on
// every response.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// FreeTierCapacity is the always-free provisioned DynamoDB capacity of an
// account (read and write units each), tables and indexes together.
const FreeTierCapacity = 25

// GSICapacity is the fixed provisioned capacity of each index in the free
// profile. The table alone scales: target-tracking creates two CloudWatch
// alarms per scaled dimension, and with the indexes fixed the stack stays
// within the ten free alarms (4 scaling + 6 of ours).
const GSICapacity = 5

// SixYearsDays is the audit retention of DESIGN.md (six years, two leap days).
const SixYearsDays = 2192

// SigninFailureFilter matches the app's audit log line for a failed sign-in.
const SigninFailureFilter = `{ ($.msg = "audit") && ($.action = "session.signin") && ($.outcome = "failure") }`

// FunctionDynamoDBActions are the only DynamoDB actions the function may
// call: item-level, on known keys. Never Scan, never a wildcard.
var FunctionDynamoDBActions = []string{
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:UpdateItem",
	"dynamodb:DeleteItem",
	"dynamodb:Query",
	"dynamodb:TransactWriteItems",
	"dynamodb:ConditionCheckItem",
	"dynamodb:DescribeTable",
}

// FunctionCognitoActions are the operations the function signs: exactly
// the Admin operations cognito/cognito.go calls (create and delete
// accounts, set passwords, disable and enable, reset MFA, sign out
// everywhere); TestRequestsMatchSDK in cognito/ holds the two lists equal.
// The user-facing flows (InitiateAuth, RespondToAuthChallenge,
// AssociateSoftwareToken, …) are public Cognito APIs authorised by the
// client secret and the user's tokens, not by IAM.
var FunctionCognitoActions = []string{
	"cognito-idp:AdminCreateUser",
	"cognito-idp:AdminDeleteUser", // erasure, and a create that failed
	"cognito-idp:AdminDisableUser",
	"cognito-idp:AdminEnableUser",
	"cognito-idp:AdminSetUserPassword", // create accounts, reset links, password change
	"cognito-idp:AdminSetUserMFAPreference",
	"cognito-idp:AdminUserGlobalSignOut",
}

// TransferPrefix is where the function puts an export too large for
// Lambda's 6 MB response before redirecting the browser to a pre-signed GET
// of it; the function may put and get objects under this prefix only.
const TransferPrefix = "exports/"

// TransferExpiryDays is how long the transfer bucket keeps an export (S3
// rounds expiry up to the next midnight UTC and deletes asynchronously).
const TransferExpiryDays = 1

// Stack is one deployment of BP Tracker.
type Stack struct {
	Stack  awscdk.Stack
	Config Config

	Table        awsdynamodb.Table
	Function     awslambda.Function
	FunctionURL  awslambda.FunctionUrl
	Role         awsiam.Role
	AppLogGroup  awslogs.LogGroup
	WebBucket    awss3.Bucket
	Distribution awscloudfront.Distribution
	UserPool     awscognito.UserPool
	Client       awscognito.UserPoolClient
	Topic        awssns.Topic
	Trail        awscloudtrail.Trail
	TrailBucket  awss3.Bucket
	AccessLogs   awss3.Bucket
	ExportBucket awss3.Bucket // hardened only
	// TransferBucket holds exports over Lambda's 6 MB response for a day.
	TransferBucket awss3.Bucket
	LogGroups      []awslogs.LogGroup
	VPC            awsec2.Vpc // hardened with -c vpc=true only

	keys keys
}

// keys are the customer managed keys of the hardened profile; all nil in
// the free profile, which uses AWS-owned and AWS-managed keys.
type keys struct {
	data, table, logs, storage awskms.Key
}

// NewStack builds the stack for cfg. props may be nil; leave its Env unset
// to keep the stack environment-agnostic.
func NewStack(scope constructs.Construct, id string, cfg Config, props *awscdk.StackProps) (*Stack, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if props == nil {
		props = &awscdk.StackProps{}
	}
	if props.Description == nil {
		props.Description = jsii.String(fmt.Sprintf("BP Tracker, %s profile: CloudFront, Lambda, DynamoDB, Cognito, CloudTrail", cfg.Profile))
	}
	s := &Stack{Stack: awscdk.NewStack(scope, jsii.String(id), props), Config: cfg}
	awscdk.Tags_Of(s.Stack).Add(jsii.String("app"), jsii.String("bptracker"), nil)
	awscdk.Tags_Of(s.Stack).Add(jsii.String("profile"), jsii.String(cfg.Profile), nil)

	if cfg.Hardened() {
		s.keys = s.newKeys()
	}
	accessLogs := s.newAccessLogBucket()
	s.AccessLogs = accessLogs
	s.Topic = s.newAlarmTopic()
	s.Table = s.newTable()
	s.newBackupPlan()
	s.newTrail(accessLogs)
	secrets := newSecretsProvider(s)
	s.UserPool, s.Client = s.newUserPool()
	clientSecret := secrets.userPoolClientSecret(s.Stack, "ClientSecret", s.UserPool, s.Client)
	originSecret := secrets.randomParameter(s.Stack, "OriginSecret", s.parameterName("origin-secret"), true, true)
	var exportBucket awss3.Bucket
	if cfg.Hardened() {
		exportBucket = s.newAuditExportBucket(accessLogs)
		s.ExportBucket = exportBucket
	}
	s.TransferBucket = s.newTransferBucket(accessLogs)

	env := map[string]*string{
		"BPT_STORE":                 jsii.String("dynamodb"),
		"BPT_DYNAMODB_TABLE":        s.Table.TableName(),
		"BPT_IDENTITY":              jsii.String("cognito"),
		"BPT_COGNITO_USER_POOL_ID":  s.UserPool.UserPoolId(),
		"BPT_COGNITO_CLIENT_ID":     s.Client.UserPoolClientId(),
		"BPT_COGNITO_CLIENT_SECRET": clientSecret,
		"BPT_ORIGIN_SECRET":         originSecret,
		"BPT_TRANSFER_BUCKET":       s.TransferBucket.BucketName(),
	}
	var kekParameter string
	if cfg.Hardened() {
		env["BPT_KEYS"] = jsii.String("kms")
		env["BPT_KMS_KEY_ID"] = s.keys.data.KeyArn()
		env["BPT_AUDIT_EXPORT_BUCKET"] = exportBucket.BucketName()
	} else {
		kekParameter = s.parameterName("kek")
		// RETAIN: the key-encryption key wraps every patient's data key;
		// deleting the stack must never delete it.
		secrets.randomParameter(s.Stack, "Kek", kekParameter, false, false)
		env["BPT_KEYS"] = jsii.String("ssm")
		env["BPT_SSM_KEK_PARAMETER"] = jsii.String(kekParameter)
	}

	var vpc awsec2.Vpc
	if cfg.VPC {
		vpc = s.newVPC()
		s.VPC = vpc
	}
	s.AppLogGroup = s.newLogGroup("AppLogGroup", "", nil)
	s.Role = s.newFunctionRole(kekParameter, exportBucket, s.TransferBucket, vpc != nil)
	s.Function, s.FunctionURL = s.newFunction(env, vpc)
	s.WebBucket = s.newWebBucket(accessLogs)
	s.Distribution = s.newDistribution(originSecret)
	s.newWebDeployment()
	s.newAlarms()
	s.outputs(kekParameter, exportBucket)
	addSuppressions(s)
	return s, nil
}

func (s *Stack) hardened() bool { return s.Config.Hardened() }

// parameterName is the SSM name of one of the stack's generated secrets.
func (s *Stack) parameterName(name string) string {
	return "/bptracker/" + *s.Stack.StackName() + "/" + name
}

func (s *Stack) newKeys() keys {
	key := func(id, description string) awskms.Key {
		return awskms.NewKey(s.Stack, jsii.String(id), &awskms.KeyProps{
			Description:       jsii.String("BP Tracker " + description),
			EnableKeyRotation: jsii.Bool(true),
			PendingWindow:     awscdk.Duration_Days(jsii.Number(30)),
			// A deleted key makes everything it encrypted unreadable,
			// backups included: never delete with the stack.
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
	}
	k := keys{
		data:    key("DataKey", "key-encryption key of the per-patient data keys, and the function's environment"),
		table:   key("TableKey", "DynamoDB table and its backups"),
		logs:    key("LogsKey", "CloudWatch Logs, CloudTrail and the alarm topic"),
		storage: key("StorageKey", "S3 buckets and the backup vault"),
	}
	account, partition := awscdk.Aws_ACCOUNT_ID(), awscdk.Aws_PARTITION()
	allowLogs(k.logs)
	k.logs.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudTrailEncrypt"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey", "kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringLike": map[string]interface{}{
				"kms:EncryptionContext:aws:cloudtrail:arn": "arn:" + *partition + ":cloudtrail:*:" + *account + ":trail/*",
			},
		},
	}), nil)
	k.logs.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsToTopic"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
	}), nil)
	return k
}

// allowLogs lets CloudWatch Logs in the stack's region use key for the
// account's log groups.
func allowLogs(key awskms.Key) {
	region, account, partition := awscdk.Aws_REGION(), awscdk.Aws_ACCOUNT_ID(), awscdk.Aws_PARTITION()
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogs"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*region+".amazonaws.com"), nil)},
		Actions: jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
			"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"),
		Resources: jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"ArnLike": map[string]interface{}{
				"kms:EncryptionContext:aws:logs:arn": "arn:" + *partition + ":logs:" + *region + ":" + *account + ":log-group:*",
			},
		},
	}), nil)
}

// retention maps days to the nearest CloudWatch Logs retention not shorter.
func retention(days int) awslogs.RetentionDays {
	steps := []struct {
		days int
		r    awslogs.RetentionDays
	}{
		{1, awslogs.RetentionDays_ONE_DAY}, {3, awslogs.RetentionDays_THREE_DAYS},
		{5, awslogs.RetentionDays_FIVE_DAYS}, {7, awslogs.RetentionDays_ONE_WEEK},
		{14, awslogs.RetentionDays_TWO_WEEKS}, {30, awslogs.RetentionDays_ONE_MONTH},
		{60, awslogs.RetentionDays_TWO_MONTHS}, {90, awslogs.RetentionDays_THREE_MONTHS},
		{120, awslogs.RetentionDays_FOUR_MONTHS}, {150, awslogs.RetentionDays_FIVE_MONTHS},
		{180, awslogs.RetentionDays_SIX_MONTHS}, {365, awslogs.RetentionDays_ONE_YEAR},
		{400, awslogs.RetentionDays_THIRTEEN_MONTHS}, {545, awslogs.RetentionDays_EIGHTEEN_MONTHS},
		{731, awslogs.RetentionDays_TWO_YEARS}, {1096, awslogs.RetentionDays_THREE_YEARS},
		{1827, awslogs.RetentionDays_FIVE_YEARS}, {2192, awslogs.RetentionDays_SIX_YEARS},
		{2557, awslogs.RetentionDays_SEVEN_YEARS}, {2922, awslogs.RetentionDays_EIGHT_YEARS},
		{3288, awslogs.RetentionDays_NINE_YEARS}, {3653, awslogs.RetentionDays_TEN_YEARS},
	}
	for _, st := range steps {
		if days <= st.days {
			return st.r
		}
	}
	return awslogs.RetentionDays_TEN_YEARS
}

func (s *Stack) newLogGroup(id, name string, days *int) awslogs.LogGroup {
	d := s.Config.LogRetentionDays
	if days != nil {
		d = *days
	}
	props := &awslogs.LogGroupProps{
		Retention:     retention(d),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	}
	if name != "" {
		props.LogGroupName = jsii.String(name)
	}
	if s.hardened() {
		props.EncryptionKey = s.keys.logs
	}
	g := awslogs.NewLogGroup(s.Stack, jsii.String(id), props)
	s.LogGroups = append(s.LogGroups, g)
	return g
}

// bucketProps are the settings every bucket of the stack shares: private,
// TLS only, versioned, encrypted, logged, kept with the stack's data.
func (s *Stack) bucketProps(accessLogs awss3.IBucket, prefix string, key awskms.IKey) *awss3.BucketProps {
	p := &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
	}
	if accessLogs != nil {
		p.ServerAccessLogsBucket = accessLogs
		p.ServerAccessLogsPrefix = jsii.String(prefix + "/")
	}
	if key != nil {
		p.Encryption = awss3.BucketEncryption_KMS
		p.EncryptionKey = key
		p.BucketKeyEnabled = jsii.Bool(true)
	}
	return p
}

func (s *Stack) newAccessLogBucket() awss3.Bucket {
	// S3 server access logs can only be delivered to an SSE-S3 bucket.
	p := s.bucketProps(nil, "", nil)
	p.LifecycleRules = &[]*awss3.LifecycleRule{{
		Id:                          jsii.String("expire-access-logs"),
		Expiration:                  awscdk.Duration_Days(jsii.Number(float64(SixYearsDays))),
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
	}}
	return awss3.NewBucket(s.Stack, jsii.String("AccessLogs"), p)
}

func (s *Stack) newAlarmTopic() awssns.Topic {
	props := &awssns.TopicProps{
		DisplayName: jsii.String("BP Tracker alarms"),
		EnforceSSL:  jsii.Bool(true),
	}
	if s.hardened() {
		props.MasterKey = s.keys.logs
	}
	t := awssns.NewTopic(s.Stack, jsii.String("Alarms"), props)
	if s.Config.AlarmEmail != "" {
		t.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.Config.AlarmEmail), nil))
	}
	return t
}

// FreeCapacity is the provisioned capacity plan of the free profile: the
// table scales between Min and Max, each index is fixed at GSICapacity, and
// Max plus the indexes never exceeds the always-free 25 units.
type FreeCapacity struct {
	TableInitial, TableMin, TableMax int
	Index                            int
}

// PlanFreeCapacity derives the free profile's capacity from the schema.
func PlanFreeCapacity(t schema.Table, initial int) FreeCapacity {
	idx := GSICapacity * len(t.Indexes)
	maxUnits := FreeTierCapacity - idx
	minUnits := min(initial, 5)
	return FreeCapacity{TableInitial: min(initial, maxUnits), TableMin: minUnits, TableMax: maxUnits, Index: GSICapacity}
}

func (s *Stack) newTable() awsdynamodb.Table {
	t := schema.Main
	props := &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(t.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String(t.SortKey), Type: awsdynamodb.AttributeType_STRING},
		TimeToLiveAttribute: jsii.String(t.TTLAttribute),
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
			RecoveryPeriodInDays:       jsii.Number(35),
		},
	}
	var rc, wc FreeCapacity
	if s.hardened() {
		props.BillingMode = awsdynamodb.BillingMode_PAY_PER_REQUEST
		props.Encryption = awsdynamodb.TableEncryption_CUSTOMER_MANAGED
		props.EncryptionKey = s.keys.table
	} else {
		rc = PlanFreeCapacity(t, t.ReadCapacity)
		wc = PlanFreeCapacity(t, t.WriteCapacity)
		props.BillingMode = awsdynamodb.BillingMode_PROVISIONED
		props.ReadCapacity = jsii.Number(float64(rc.TableInitial))
		props.WriteCapacity = jsii.Number(float64(wc.TableInitial))
		props.Encryption = awsdynamodb.TableEncryption_DEFAULT // AWS-owned key, free
	}
	table := awsdynamodb.NewTable(s.Stack, jsii.String("Table"), props)
	for _, ix := range t.Indexes {
		gp := &awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(ix.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		}
		if ix.SortKey != "" {
			gp.SortKey = &awsdynamodb.Attribute{Name: jsii.String(ix.SortKey), Type: awsdynamodb.AttributeType_STRING}
		}
		if !s.hardened() {
			gp.ReadCapacity = jsii.Number(float64(rc.Index))
			gp.WriteCapacity = jsii.Number(float64(wc.Index))
		}
		table.AddGlobalSecondaryIndex(gp)
	}
	if !s.hardened() {
		table.AutoScaleReadCapacity(&awsdynamodb.EnableScalingProps{
			MinCapacity: jsii.Number(float64(rc.TableMin)), MaxCapacity: jsii.Number(float64(rc.TableMax)),
		}).ScaleOnUtilization(&awsdynamodb.UtilizationScalingProps{TargetUtilizationPercent: jsii.Number(70)})
		table.AutoScaleWriteCapacity(&awsdynamodb.EnableScalingProps{
			MinCapacity: jsii.Number(float64(wc.TableMin)), MaxCapacity: jsii.Number(float64(wc.TableMax)),
		}).ScaleOnUtilization(&awsdynamodb.UtilizationScalingProps{TargetUtilizationPercent: jsii.Number(70)})
	}
	return table
}

func (s *Stack) newBackupPlan() {
	vp := &awsbackup.BackupVaultProps{RemovalPolicy: awscdk.RemovalPolicy_RETAIN}
	if s.hardened() {
		vp.EncryptionKey = s.keys.storage
	}
	vault := awsbackup.NewBackupVault(s.Stack, jsii.String("BackupVault"), vp)
	plan := awsbackup.NewBackupPlan(s.Stack, jsii.String("BackupPlan"), &awsbackup.BackupPlanProps{BackupVault: vault})
	plan.AddRule(awsbackup.NewBackupPlanRule(&awsbackup.BackupPlanRuleProps{
		RuleName:           jsii.String("Daily"),
		ScheduleExpression: awsevents.Schedule_Cron(&awsevents.CronOptions{Hour: jsii.String("5"), Minute: jsii.String("0")}),
		DeleteAfter:        awscdk.Duration_Days(jsii.Number(float64(s.Config.BackupRetentionDays))),
	}))
	plan.AddSelection(jsii.String("Table"), &awsbackup.BackupSelectionOptions{
		Resources: &[]awsbackup.BackupResource{awsbackup.BackupResource_FromDynamoDbTable(s.Table)},
	})
}

func (s *Stack) newTrail(accessLogs awss3.IBucket) {
	var key awskms.IKey
	if s.hardened() {
		key = s.keys.logs
	}
	p := s.bucketProps(accessLogs, "trail", key)
	p.LifecycleRules = &[]*awss3.LifecycleRule{{
		Id: jsii.String("keep-six-years"),
		// Expiration only after the six years of 45 CFR 164.316(b)(2).
		Expiration:                  awscdk.Duration_Days(jsii.Number(float64(SixYearsDays))),
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(SixYearsDays))),
		Transitions: &[]*awss3.Transition{{
			StorageClass:    awss3.StorageClass_GLACIER_INSTANT_RETRIEVAL(),
			TransitionAfter: awscdk.Duration_Days(jsii.Number(90)),
		}},
	}}
	bucket := awss3.NewBucket(s.Stack, jsii.String("TrailBucket"), p)
	trail := awscloudtrail.NewTrail(s.Stack, jsii.String("Trail"), &awscloudtrail.TrailProps{
		Bucket:                     bucket,
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableFileValidation:       jsii.Bool(true),
		SendToCloudWatchLogs:       jsii.Bool(true),
		CloudWatchLogGroup:         s.newLogGroup("TrailLogGroup", "", nil),
		EncryptionKey:              key,
	})
	if s.hardened() {
		// CloudTrail data events for DynamoDB need advanced event selectors,
		// which replace the basic ones: management events are selected
		// again explicitly.
		cfn := trail.Node().DefaultChild().(awscloudtrail.CfnTrail)
		cfn.AddPropertyOverride(jsii.String("AdvancedEventSelectors"), []interface{}{
			map[string]interface{}{
				"Name": "Management events",
				"FieldSelectors": []interface{}{
					map[string]interface{}{"Field": "eventCategory", "Equals": []string{"Management"}},
				},
			},
			map[string]interface{}{
				"Name": "BP Tracker table data events",
				"FieldSelectors": []interface{}{
					map[string]interface{}{"Field": "eventCategory", "Equals": []string{"Data"}},
					map[string]interface{}{"Field": "resources.type", "Equals": []string{"AWS::DynamoDB::Table"}},
					map[string]interface{}{"Field": "resources.ARN", "Equals": []interface{}{s.Table.TableArn()}},
				},
			},
		})
		cfn.AddPropertyDeletionOverride(jsii.String("EventSelectors"))
	}
	s.Trail = trail
	s.TrailBucket = bucket
}

func (s *Stack) newAuditExportBucket(accessLogs awss3.IBucket) awss3.Bucket {
	p := s.bucketProps(accessLogs, "audit-exports", s.keys.storage)
	p.ObjectLockEnabled = jsii.Bool(true)
	p.ObjectLockDefaultRetention = awss3.ObjectLockRetention_Compliance(awscdk.Duration_Days(jsii.Number(float64(SixYearsDays))))
	return awss3.NewBucket(s.Stack, jsii.String("AuditExports"), p)
}

// newTransferBucket is where the function leaves an export whose body is
// over Lambda's 6 MB response limit, for the browser to fetch through a
// five-minute pre-signed GET. The objects are plaintext copies of health
// data, so the bucket is as private and as encrypted as the others, but
// unversioned and emptied after a day: versioning would only keep copies
// longer. RETAIN like every bucket of the stack (DESTROY could not delete
// a non-empty bucket without autoDeleteObjects' custom resource); it
// empties itself.
func (s *Stack) newTransferBucket(accessLogs awss3.IBucket) awss3.Bucket {
	var key awskms.IKey
	if s.hardened() {
		key = s.keys.storage
	}
	p := s.bucketProps(accessLogs, "transfers", key)
	p.Versioned = jsii.Bool(false)
	oneDay := awscdk.Duration_Days(jsii.Number(float64(TransferExpiryDays)))
	p.LifecycleRules = &[]*awss3.LifecycleRule{
		{
			Id:         jsii.String("expire-exports"),
			Prefix:     jsii.String(TransferPrefix),
			Expiration: oneDay,
		},
		{
			Id:                                  jsii.String("abort-incomplete-uploads"),
			AbortIncompleteMultipartUploadAfter: oneDay,
		},
	}
	return awss3.NewBucket(s.Stack, jsii.String("Transfers"), p)
}

func (s *Stack) newUserPool() (awscognito.UserPool, awscognito.UserPoolClient) {
	pool := awscognito.NewUserPool(s.Stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		FeaturePlan:       awscognito.FeaturePlan_ESSENTIALS,
		SelfSignUpEnabled: jsii.Bool(s.Config.SelfSignUp),
		// The username is our user id (the app finds it by the email's keyed
		// hash); email sign-in stays possible. Fixed once the pool exists.
		SignInAliases:       &awscognito.SignInAliases{Username: jsii.Bool(true), Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		Mfa:             awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false), Email: jsii.Bool(false)},
		// DESIGN.md: long passphrases allowed, the most common passwords
		// refused (by the app, before Cognito sees them). Composition rules
		// are left off on purpose (NIST SP 800-63B); length is what counts.
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(false),
			RequireUppercase:     jsii.Bool(false),
			RequireDigits:        jsii.Bool(false),
			RequireSymbols:       jsii.Bool(false),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
		UserInvitation: &awscognito.UserInvitationConfig{
			EmailSubject: jsii.String("Your BP Tracker account"),
			EmailBody:    jsii.String("Your BP Tracker user name is {username} and your temporary password is {####}. Sign in to choose a password and set up an authenticator app."),
		},
	})
	client := pool.AddClient(jsii.String("App"), &awscognito.UserPoolClientOptions{
		GenerateSecret:             jsii.Bool(true),
		AuthFlows:                  &awscognito.AuthFlow{UserPassword: jsii.Bool(true)},
		DisableOAuth:               jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(15)),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(15)),
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(12)),
		AuthSessionValidity:        awscdk.Duration_Minutes(jsii.Number(5)),
		EnableTokenRevocation:      jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
	})
	return pool, client
}

func (s *Stack) newVPC() awsec2.Vpc {
	vpc := awsec2.NewVpc(s.Stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24),
		}},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"DynamoDB": {Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB()},
			"S3":       {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		},
	})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(s.newLogGroup("FlowLogGroup", "", nil), nil),
		TrafficType: awsec2.FlowLogTrafficType_REJECT,
	})
	for id, svc := range map[string]awsec2.InterfaceVpcEndpointAwsService{
		"Kms":        awsec2.InterfaceVpcEndpointAwsService_KMS(),
		"CognitoIdp": awsec2.InterfaceVpcEndpointAwsService_COGNITO_IDP(),
	} {
		vpc.AddInterfaceEndpoint(jsii.String(id), &awsec2.InterfaceVpcEndpointOptions{Service: svc, PrivateDnsEnabled: jsii.Bool(true)})
	}
	return vpc
}

// newFunctionRole writes every permission of the function by hand in one
// managed policy and then freezes the role, so no CDK grant can widen it
// (and no inline policy appears).
func (s *Stack) newFunctionRole(kekParameter string, exportBucket, transferBucket awss3.IBucket, inVPC bool) awsiam.Role {
	tableResources := []*string{s.Table.TableArn()}
	for _, ix := range schema.Main.Indexes {
		tableResources = append(tableResources, jsii.String(*s.Table.TableArn()+"/index/"+ix.Name))
	}
	st := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Logs"),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: &[]*string{s.AppLogGroup.LogGroupArn()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Table"),
			Actions:   jsii.Strings(FunctionDynamoDBActions...),
			Resources: &tableResources,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("UserPoolAdmin"),
			Actions:   jsii.Strings(FunctionCognitoActions...),
			Resources: &[]*string{s.UserPool.UserPoolArn()},
		}),
		// Put an oversized export, and get it: the pre-signed URL the
		// browser follows is signed with the function's own credentials.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Transfers"),
			Actions:   jsii.Strings("s3:PutObject", "s3:GetObject"),
			Resources: &[]*string{transferBucket.ArnForObjects(jsii.String(TransferPrefix + "*"))},
		}),
	}
	if s.hardened() {
		st = append(st,
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("DataKeys"),
				Actions:   jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"),
				Resources: &[]*string{s.keys.data.KeyArn()},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("TableKey"),
				Actions:   jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
				Resources: &[]*string{s.keys.table.KeyArn()},
				Conditions: &map[string]interface{}{
					"StringEquals": map[string]interface{}{"kms:ViaService": "dynamodb." + *awscdk.Aws_REGION() + ".amazonaws.com"},
				},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("AuditExports"),
				Actions:   jsii.Strings("s3:PutObject"),
				Resources: &[]*string{exportBucket.ArnForObjects(jsii.String("audit/*"))},
			}),
			// The storage key encrypts both buckets the function writes
			// (audit exports, transfers): a data key to put an object,
			// Decrypt to get one. Only through S3.
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("StorageKey"),
				Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
				Resources: &[]*string{s.keys.storage.KeyArn()},
				Conditions: &map[string]interface{}{
					"StringEquals": map[string]interface{}{"kms:ViaService": "s3." + *awscdk.Aws_REGION() + ".amazonaws.com"},
				},
			}),
		)
	} else {
		st = append(st, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:     jsii.String("KeyEncryptionKey"),
			Actions: jsii.Strings("ssm:GetParameter"),
			// The aws/ssm key's own policy lets account principals decrypt
			// through SSM: no KMS statement is needed for a SecureString.
			Resources: &[]*string{s.Stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("ssm"), Resource: jsii.String("parameter"),
				ResourceName: jsii.String(kekParameter[1:]),
			})},
		}))
	}
	if inVPC {
		// Lambda creates the function's network interfaces with the
		// execution role; these EC2 actions support no resource-level
		// permissions, so their resource must be "*".
		st = append(st, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("VpcNetworkInterfaces"),
			Actions: jsii.Strings("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
				"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
			Resources: jsii.Strings("*"),
		}))
	}
	policy := awsiam.NewManagedPolicy(s.Stack, jsii.String("FunctionPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("BP Tracker function: its table, its keys, its user pool, its log group"),
		Statements:  &st,
	})
	role := awsiam.NewRole(s.Stack, jsii.String("FunctionRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description:     jsii.String("BP Tracker function execution role"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{policy},
	})
	return role
}

func (s *Stack) newFunction(env map[string]*string, vpc awsec2.Vpc) (awslambda.Function, awslambda.FunctionUrl) {
	props := &awslambda.FunctionProps{
		Description:                  jsii.String("BP Tracker API (the same handler as `bptracker serve`)"),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(s.Config.LambdaZip), nil),
		MemorySize:                   jsii.Number(256),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(25)),
		ReservedConcurrentExecutions: jsii.Number(float64(s.Config.ReservedConcurrency)),
		LogGroup:                     s.AppLogGroup,
		Role:                         s.Role.WithoutPolicyUpdates(nil),
		Environment:                  &env,
		RecursiveLoop:                awslambda.RecursiveLoop_TERMINATE,
	}
	if s.hardened() {
		props.EnvironmentEncryption = s.keys.data
	}
	if vpc != nil {
		props.Vpc = vpc
		props.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	fn := awslambda.NewFunction(s.Stack, jsii.String("Api"), props)
	url := fn.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_AWS_IAM})
	return fn, url
}

func (s *Stack) newWebBucket(accessLogs awss3.IBucket) awss3.Bucket {
	var key awskms.IKey
	if s.hardened() {
		key = s.keys.storage
	}
	p := s.bucketProps(accessLogs, "web", key)
	p.LifecycleRules = &[]*awss3.LifecycleRule{{
		Id:                          jsii.String("expire-old-web-builds"),
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
	}}
	return awss3.NewBucket(s.Stack, jsii.String("Web"), p)
}

// spaRewrite sends paths without a file extension to index.html (the web
// app's history router) on the web origin only: API 404s stay 404s.
const spaRewrite = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`

// forwardHost gives the function the viewer's host name: origin access
// control makes CloudFront send the function URL's own Host header.
const forwardHost = `function handler(event) {
  var request = event.request;
  if (request.headers.host) {
    request.headers['x-forwarded-host'] = { value: request.headers.host.value };
  }
  return request;
}`

func (s *Stack) newDistribution(originSecret *string) awscloudfront.Distribution {
	headers := awscloudfront.NewResponseHeadersPolicy(s.Stack, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("BP Tracker security headers (DESIGN.md)"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)),
				IncludeSubdomains:   jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(ContentSecurityPolicy),
				Override:              jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true),
			},
		},
	})
	web := awscloudfront.NewFunction(s.Stack, jsii.String("SpaRewrite"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(spaRewrite)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("BP Tracker: app routes to index.html"),
	})
	api := awscloudfront.NewFunction(s.Stack, jsii.String("ForwardHost"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(forwardHost)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("BP Tracker: viewer host to x-forwarded-host"),
	})
	props := &awscloudfront.DistributionProps{
		Comment:           jsii.String("BP Tracker " + s.Config.Profile),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(s.WebBucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				Function: web, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			}},
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			"/api/*": {
				Origin: awscloudfrontorigins.FunctionUrlOrigin_WithOriginAccessControl(s.FunctionURL, &awscloudfrontorigins.FunctionUrlOriginWithOACProps{
					CustomHeaders: &map[string]*string{"X-Origin-Verify": originSecret},
					ReadTimeout:   awscdk.Duration_Seconds(jsii.Number(30)),
				}),
				ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
				OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
				ResponseHeadersPolicy: headers,
				FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
					Function: api, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				}},
			},
		},
	}
	if s.Config.DomainName != "" {
		props.DomainNames = jsii.Strings(s.Config.DomainName)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(s.Stack, jsii.String("Certificate"), jsii.String(s.Config.CertificateARN))
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	if s.hardened() {
		if s.Config.WebACLARN != "" {
			props.WebAclId = jsii.String(s.Config.WebACLARN)
		} else {
			acl := NewWebACL(s.Stack, "WebAcl", s.keys.logs, retention(s.Config.LogRetentionDays))
			props.WebAclId = acl.AttrArn()
			// A CloudFront web ACL exists only in us-east-1: refuse to
			// deploy elsewhere rather than fail halfway.
			awscdk.NewCfnRule(s.Stack, jsii.String("WebAclRegion"), &awscdk.CfnRuleProps{
				Assertions: &[]*awscdk.CfnRuleAssertion{{
					Assert: awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String("us-east-1")),
					AssertDescription: jsii.String("The hardened stack creates its CloudFront web ACL, which must be in us-east-1. " +
						"Deploy it there, or deploy " + EdgeStackName + " to us-east-1 and pass -c " + CtxWebACLARN + "=<its WebAclArn output>."),
				}},
			})
		}
	}
	return awscloudfront.NewDistribution(s.Stack, jsii.String("Cdn"), props)
}

func (s *Stack) newWebDeployment() {
	days := 30
	awss3deployment.NewBucketDeployment(s.Stack, jsii.String("WebDeploy"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(s.Config.WebDist), nil)},
		DestinationBucket: s.WebBucket,
		Distribution:      s.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
		MemoryLimit:       jsii.Number(256),
		LogGroup:          s.newLogGroup("WebDeployLogGroup", "", &days),
	})
}

func (s *Stack) newAlarms() {
	action := awscloudwatchactions.NewSnsAction(s.Topic)
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id, description string, m awscloudwatch.IMetric, threshold float64) {
		a := awscloudwatch.NewAlarm(s.Stack, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(description),
			Metric:             m,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
	}
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	alarm("FunctionErrors", "BP Tracker function errors", s.Function.MetricErrors(sum), 1)
	alarm("FunctionThrottles", "BP Tracker function throttled: reserved concurrency exhausted", s.Function.MetricThrottles(sum), 1)
	ddb := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/DynamoDB"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"TableName": s.Table.TableName()},
			Period:        five, Statistic: jsii.String("Sum"),
		})
	}
	alarm("TableThrottles", "BP Tracker table throttled (read or write)", awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("r + w"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"r": ddb("ReadThrottleEvents"), "w": ddb("WriteThrottleEvents")},
		Label:        jsii.String("throttle events"),
		Period:       five,
	}), 1)
	alarm("Cdn5xx", "BP Tracker CloudFront 5xx error rate at or above 5% (CloudFront metrics exist in us-east-1 only)",
		awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/CloudFront"), MetricName: jsii.String("5xxErrorRate"),
			DimensionsMap: &map[string]*string{"DistributionId": s.Distribution.DistributionId(), "Region": jsii.String("Global")},
			Period:        five, Statistic: jsii.String("Average"),
		}), 5)
	filter := awslogs.NewMetricFilter(s.Stack, jsii.String("SigninFailures"), &awslogs.MetricFilterProps{
		LogGroup:        s.AppLogGroup,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(SigninFailureFilter)),
		MetricNamespace: jsii.String("BPTracker"),
		MetricName:      jsii.String("SigninFailures"),
		MetricValue:     jsii.String("1"),
	})
	alarm("SigninFailureSpike", fmt.Sprintf("BP Tracker: %d or more failed sign-ins in 5 minutes", s.Config.SigninFailureAlarm),
		filter.Metric(sum), float64(s.Config.SigninFailureAlarm))
}

func (s *Stack) outputs(kekParameter string, exportBucket awss3.IBucket) {
	out := func(name, description string, v *string) {
		awscdk.NewCfnOutput(s.Stack, jsii.String(name), &awscdk.CfnOutputProps{Value: v, Description: jsii.String(description)})
	}
	site := s.Distribution.DistributionDomainName()
	if s.Config.DomainName != "" {
		site = jsii.String(s.Config.DomainName)
	}
	out("SiteUrl", "The app's address", jsii.String("https://"+*site))
	out("DistributionDomainName", "CloudFront domain (CNAME/alias target of a custom domain)", s.Distribution.DistributionDomainName())
	out("DistributionId", "CloudFront distribution id", s.Distribution.DistributionId())
	out("TableName", "DynamoDB table (BPT_DYNAMODB_TABLE)", s.Table.TableName())
	out("FunctionName", "Lambda function serving /api/*", s.Function.FunctionName())
	out("AppLogGroupName", "The function's log group", s.AppLogGroup.LogGroupName())
	out("UserPoolId", "Cognito user pool (BPT_COGNITO_USER_POOL_ID)", s.UserPool.UserPoolId())
	out("UserPoolClientId", "Cognito app client (BPT_COGNITO_CLIENT_ID)", s.Client.UserPoolClientId())
	out("WebBucketName", "Bucket holding the web app", s.WebBucket.BucketName())
	out("TrailBucketName", "CloudTrail bucket (kept six years)", s.TrailBucket.BucketName())
	out("TransferBucketName", "Bucket for exports over Lambda's 6 MB response, kept a day (BPT_TRANSFER_BUCKET)", s.TransferBucket.BucketName())
	out("AlarmTopicArn", "SNS topic of the alarms", s.Topic.TopicArn())
	if kekParameter != "" {
		out("KekParameterName", "SSM SecureString holding the key-encryption key (BPT_SSM_KEK_PARAMETER)", jsii.String(kekParameter))
	}
	if s.hardened() {
		out("DataKeyArn", "KMS key wrapping the per-patient data keys (BPT_KMS_KEY_ID)", s.keys.data.KeyArn())
		out("AuditExportBucketName", "Object Lock bucket for audit trail exports", exportBucket.BucketName())
	}
}
