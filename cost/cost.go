// Package cost estimates the monthly AWS bill of a BP Tracker deployment
// (the CDK app in deploy/, profile free or hardened) from the number of
// users, their readings per day, the capacity each API operation consumes
// (docs/capacity.md), the Lambda duration and a dated us-east-1 price table.
// It is a planning model: every assumption is a field of Input with its
// default documented, and the report prints them.
package cost

import (
	"fmt"
	"math"

	"github.com/bptracker/bptracker"
)

// Profiles, as in deploy/.
const (
	ProfileFree     = "free"
	ProfileHardened = "hardened"
)

// Input is what the estimate is computed from. Users, ReadingsPerDay and
// Profile are required; every other field left zero takes its default from
// Defaults.
type Input struct {
	Users          int
	ReadingsPerDay int // per user
	Profile        string

	// Usage assumptions, per user per day unless stated.
	PageViewsPerReading float64 // app screens opened per reading added; each loads the 30-day history (default 1)
	SigninsPerDay       float64 // sign-ins per user per day (default ReadingsPerDay/2: readings come in pairs, sessions idle out after 15 minutes)
	RequestsPerSignin   float64 // API requests of one sign-in: password, TOTP, session (default 3)
	StaticPerSignin     float64 // CloudFront requests for the app's files per sign-in, mostly browser-cached (default 4)

	// Capacity per operation, as measured against DynamoDB Local by
	// dynamo.TestCapacity (docs/capacity.md).
	AddReadingWCU, AddReadingRCU float64 // default 3, 1 (reading + id stub + audit event; audit chain head)
	HistoryRCU, HistoryWCU       float64 // 30-day history of 300 readings: default 7.5 RCU + 1 WCU (its audit event)
	SessionCheckRCU              float64 // every API request: default 1
	SigninWCU, SigninRCU         float64 // one whole sign-in, password and TOTP steps: default 14 WCU, 9 RCU (dynamo.TestSignInCapacity)
	DynamoDBCallsPerRequest      float64 // DynamoDB API calls per API request, for CloudTrail data events (default 4)

	// Lambda.
	LambdaMemoryMB int     // default 256
	LambdaMillis   float64 // billed duration per request (default 30 ms, arm64)

	// Sizes.
	ReadingBytes    float64 // stored bytes per reading incl. DynamoDB's 100-byte item overhead (default 300)
	AuditEventBytes float64 // stored bytes per audit event (default 300)
	APIResponseKB   float64 // average API response (default 4 KB)
	StaticKB        float64 // average static file response, compressed (default 30 KB)
	LogBytesPerReq  float64 // CloudWatch Logs bytes per API request (default 500)
	TrailEventBytes float64 // CloudTrail event as delivered to CloudWatch Logs (default 1500)

	// Operations.
	PeakFactor            float64 // busiest-hour rate over the daily average, for the free profile's capacity check (default 10)
	StorageMonths         int     // months of accumulated data priced for storage (default 12)
	BackupRetentionDays   int     // daily AWS Backup copies kept (default 7, as deploy/)
	ManagementEvents      float64 // CloudTrail management events per month, account baseline (default 20,000)
	KMSCallsPerRequest    float64 // hardened: data-key cache misses per API request (default 0.2)
	VPC                   bool    // hardened: the VPC option (two interface endpoints in two AZs)
	FirstYear             bool    // apply the 12-month free tier of a new account
	AlarmMetricsOtherThan int     // alarm metrics already in the account outside this stack (default 0)
}

// Defaults returns in with every zero assumption replaced by its default.
func Defaults(in Input) Input {
	f := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	i := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	f(&in.PageViewsPerReading, 1)
	f(&in.SigninsPerDay, math.Max(1, float64(in.ReadingsPerDay)/2))
	f(&in.RequestsPerSignin, 3)
	f(&in.StaticPerSignin, 4)
	f(&in.AddReadingWCU, 3)
	f(&in.AddReadingRCU, 1)
	f(&in.HistoryRCU, 7.5)
	f(&in.HistoryWCU, 1)
	f(&in.SessionCheckRCU, 1)
	f(&in.SigninWCU, 14)
	f(&in.SigninRCU, 9)
	f(&in.DynamoDBCallsPerRequest, 4)
	i(&in.LambdaMemoryMB, 256)
	f(&in.LambdaMillis, 30)
	f(&in.ReadingBytes, 300)
	f(&in.AuditEventBytes, 300)
	f(&in.APIResponseKB, 4)
	f(&in.StaticKB, 30)
	f(&in.LogBytesPerReq, 500)
	f(&in.TrailEventBytes, 1500)
	f(&in.PeakFactor, 10)
	i(&in.StorageMonths, 12)
	i(&in.BackupRetentionDays, 7)
	f(&in.ManagementEvents, 20000)
	f(&in.KMSCallsPerRequest, 0.2)
	return in
}

// Validate reports an input the model cannot price.
func (in Input) Validate() error {
	if in.Users < 0 || in.ReadingsPerDay < 0 {
		return bptracker.Errorf(bptracker.EINVALID, "users and readings per day must not be negative")
	}
	if in.Profile != ProfileFree && in.Profile != ProfileHardened {
		return bptracker.Errorf(bptracker.EINVALID, "profile must be %s or %s", ProfileFree, ProfileHardened)
	}
	if in.VPC && in.Profile != ProfileHardened {
		return bptracker.Errorf(bptracker.EINVALID, "the VPC option belongs to the hardened profile")
	}
	return nil
}

// Line is one priced item of the report.
type Line struct {
	Service  string
	Item     string
	Quantity float64 // per month, in Unit
	Unit     string
	Free     float64 // free-tier allowance applied, in Unit
	USD      float64 // per month, after the free tier
}

// Report is the monthly estimate.
type Report struct {
	Input    Input // with defaults applied
	Lines    []Line
	Total    float64
	Notes    []string
	Requests float64 // API requests per month
}

// ServiceTotal sums the lines of one service.
func (r Report) ServiceTotal(service string) float64 {
	var t float64
	for _, l := range r.Lines {
		if l.Service == service {
			t += l.USD
		}
	}
	return t
}

const daysPerMonth = 30
const hoursPerMonth = 730

// Estimate prices one month. Inputs that Validate refuses give a report
// with no lines and a note saying why.
func Estimate(in Input) Report {
	if err := in.Validate(); err != nil {
		return Report{Input: in, Notes: []string{bptracker.ErrorMessage(err)}}
	}
	in = Defaults(in)
	p := Prices
	hardened := in.Profile == ProfileHardened
	r := Report{Input: in}
	add := func(service, item string, qty float64, unit string, free, unitPrice float64) {
		billable := math.Max(0, qty-free)
		r.Lines = append(r.Lines, Line{Service: service, Item: item, Quantity: qty, Unit: unit, Free: math.Min(qty, free), USD: billable * unitPrice})
	}
	fixed := func(service, item string, qty float64, unit string, usd float64) {
		r.Lines = append(r.Lines, Line{Service: service, Item: item, Quantity: qty, Unit: unit, USD: usd})
	}

	users := float64(in.Users)
	readings := float64(in.ReadingsPerDay)
	views := readings * in.PageViewsPerReading
	signins := in.SigninsPerDay
	if in.ReadingsPerDay == 0 {
		views, signins = 0, 0
	}
	// Per user per day.
	apiPerDay := readings + views + signins*in.RequestsPerSignin
	wcuPerDay := readings*in.AddReadingWCU + views*in.HistoryWCU + signins*in.SigninWCU
	rcuPerDay := readings*in.AddReadingRCU + views*in.HistoryRCU + signins*in.SigninRCU +
		(readings+views)*in.SessionCheckRCU
	staticPerDay := signins * in.StaticPerSignin

	m := users * daysPerMonth
	requests := apiPerDay * m
	r.Requests = requests
	cfRequests := requests + staticPerDay*m

	// Lambda.
	gbSeconds := requests * (in.LambdaMillis / 1000) * (float64(in.LambdaMemoryMB) / 1024)
	add("Lambda", "requests", requests/1e6, "M requests", p.LambdaFreeRequestsM, p.LambdaPerMRequests)
	add("Lambda", fmt.Sprintf("compute, arm64 %d MB × %.0f ms", in.LambdaMemoryMB, in.LambdaMillis), gbSeconds, "GB-s", p.LambdaFreeGBSeconds, p.LambdaPerGBSecond)

	// DynamoDB.
	wcuMonth := wcuPerDay * m
	rcuMonth := rcuPerDay * m
	storageGB := users * float64(in.StorageMonths) * daysPerMonth *
		(readings*(in.ReadingBytes+in.AuditEventBytes) + (views+signins)*in.AuditEventBytes) / 1e9
	if hardened {
		add("DynamoDB", "on-demand writes", wcuMonth/1e6, "M WRU", 0, p.DynamoDBPerMWrite)
		add("DynamoDB", "on-demand reads", rcuMonth/1e6, "M RRU", 0, p.DynamoDBPerMRead)
	} else {
		avgW := wcuMonth / (daysPerMonth * 86400)
		avgR := rcuMonth / (daysPerMonth * 86400)
		peakW, peakR := avgW*in.PeakFactor, avgR*in.PeakFactor
		// Auto scaling follows the daily curve: price the average provisioned
		// capacity as half the busiest hour's need at the 70% target, never
		// below the stack's minimum (table 5 + index 5).
		provW := math.Max(avgW*in.PeakFactor/2/0.7, 10)
		provR := math.Max(avgR*in.PeakFactor/2/0.7, 10)
		add("DynamoDB", "provisioned write capacity (auto scaling, avg)", provW, "WCU", p.DynamoDBFreeWCU, p.DynamoDBPerWCUHour*hoursPerMonth)
		add("DynamoDB", "provisioned read capacity (auto scaling, avg)", provR, "RCU", p.DynamoDBFreeRCU, p.DynamoDBPerRCUHour*hoursPerMonth)
		if capW, capR := float64(FreeTableMax+FreeIndexCapacity), float64(FreeTableMax+FreeIndexCapacity); peakW/0.7 > float64(FreeTableMax) || peakR/0.7 > float64(FreeTableMax) {
			r.Notes = append(r.Notes, fmt.Sprintf(
				"DynamoDB: the busiest hour needs about %.0f WCU and %.0f RCU at 70%% utilisation, above the free profile's cap of %.0f/%.0f (table %d + index %d): raise the caps in deploy/ (priced above) or move to the hardened profile's on-demand mode.",
				math.Ceil(peakW/0.7), math.Ceil(peakR/0.7), capW, capR, FreeTableMax, FreeIndexCapacity))
		}
	}
	add("DynamoDB", fmt.Sprintf("storage after %d months", in.StorageMonths), storageGB, "GB", p.DynamoDBFreeStorageGB, p.DynamoDBPerGBMonth)
	add("DynamoDB", "point-in-time recovery", storageGB, "GB", 0, p.PITRPerGBMonth)
	add("AWS Backup", fmt.Sprintf("%d daily copies of the table", in.BackupRetentionDays), storageGB*float64(in.BackupRetentionDays), "GB", 0, p.BackupPerGBMonth)

	// CloudFront (and its functions: one on every request).
	outGB := (requests*in.APIResponseKB + staticPerDay*m*in.StaticKB) / 1e6
	add("CloudFront", "HTTPS requests", cfRequests/1e6, "M requests", p.CloudFrontFreeRequestsM, p.CloudFrontPerMRequests)
	add("CloudFront", "data transfer out", outGB, "GB", p.CloudFrontFreeGB, p.CloudFrontPerGB)
	add("CloudFront", "CloudFront Functions", cfRequests/1e6, "M invocations", p.CFFunctionsFreeM, p.CFFunctionsPerM)

	// Cognito: every user signs in within the month.
	add("Cognito", "Essentials monthly active users", users, "MAU", p.CognitoFreeMAU, p.CognitoPerMAU)

	// S3: the web app (a few MB) and the trail. Free only in the first year.
	trailEvents := in.ManagementEvents
	if hardened {
		trailEvents += requests * in.KMSCallsPerRequest // KMS calls are management events
	}
	dataEvents := 0.0
	if hardened {
		dataEvents = requests * in.DynamoDBCallsPerRequest
	}
	trailGBMonth := (trailEvents + dataEvents) * in.TrailEventBytes / 1e9 * 0.15 // gzip
	s3GB := 0.01 + trailGBMonth*float64(in.StorageMonths)
	s3Free := 0.0
	if in.FirstYear {
		s3Free = p.S3FreeGBFirstYear
	}
	add("S3", fmt.Sprintf("storage (web app, trail after %d months)", in.StorageMonths), s3GB, "GB", s3Free, p.S3PerGBMonth)

	// CloudTrail.
	fixed("CloudTrail", "first copy of management events", trailEvents, "events", 0)
	if hardened {
		add("CloudTrail", "data events for the table", dataEvents/1e5, "100k events", 0, p.CloudTrailPer100kData)
	}

	// CloudWatch.
	logsGB := (requests*in.LogBytesPerReq + (trailEvents+dataEvents)*in.TrailEventBytes) / 1e9
	add("CloudWatch", "Logs ingestion (app + trail)", logsGB, "GB", p.LogsFreeGB, p.LogsPerGBIngest)
	alarmMetrics := 6.0 // ours: errors, throttles, table r+w, CloudFront 5xx, sign-in failures
	if !hardened {
		alarmMetrics += 4 // two per target-tracking policy (table read, table write)
	}
	add("CloudWatch", "alarm metrics", alarmMetrics+float64(in.AlarmMetricsOtherThan), "alarm metrics", p.AlarmsFree, p.AlarmPerMetric)
	add("CloudWatch", "custom metric (failed sign-ins)", 1, "metrics", p.CustomMetricsFree, p.CustomMetricPerMonth)

	// Keys and secrets.
	fixed("SSM", "SecureString standard parameters (KEK, origin secret)", 2, "parameters", 0)
	if hardened {
		keys := 4.0
		fixed("KMS", "customer managed keys (data, table, logs, storage)", keys, "keys", keys*p.KMSPerKeyMonth)
		add("KMS", "requests", requests*in.KMSCallsPerRequest/1e4, "10k requests", p.KMSFreeRequests/1e4, p.KMSPer10kRequests)
		fixed("WAF", "web ACL + 4 rules", 1, "web ACL", p.WAFPerACL+4*p.WAFPerRule)
		add("WAF", "requests", cfRequests/1e6, "M requests", 0, p.WAFPerMRequests)
	}
	if in.VPC {
		fixed("VPC", "interface endpoints (KMS, Cognito) × 2 AZs", 4, "endpoint-AZs", 4*hoursPerMonth*p.EndpointPerAZHour)
	}

	for _, l := range r.Lines {
		r.Total += l.USD
	}
	if hardened && dataEvents > 0 {
		r.Notes = append(r.Notes, "CloudTrail data events on the table (and their copy in CloudWatch Logs) grow with every DynamoDB call; "+
			"at scale they are among the largest hardened lines. Selecting write events only roughly halves them.")
	}
	if !in.FirstYear {
		r.Notes = append(r.Notes, "S3's 5 GB is free only in a new account's first 12 months; it is priced here as after the first year (a few cents).")
	}
	return r
}

// The free profile's DynamoDB capacity plan (deploy/infra.PlanFreeCapacity
// for the schema's one index).
const (
	FreeTableMax      = 20
	FreeIndexCapacity = 5
)

// Breakpoints returns, for each service, the smallest user count (up to
// maxUsers) at which that service's monthly cost exceeds thresholdUSD,
// holding the rest of in; services that stay below it up to maxUsers are
// absent.
func Breakpoints(in Input, maxUsers int, thresholdUSD float64) map[string]int {
	out := map[string]int{}
	services := map[string]bool{}
	in.Users = maxUsers
	for _, l := range Estimate(in).Lines {
		services[l.Service] = true
	}
	for svc := range services {
		costs := func(u int) bool {
			in.Users = u
			return Estimate(in).ServiceTotal(svc) > thresholdUSD
		}
		if !costs(maxUsers) {
			continue
		}
		lo, hi := 0, maxUsers // costs(hi) is true
		for lo < hi {
			mid := (lo + hi) / 2
			if costs(mid) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		out[svc] = lo
	}
	return out
}
