package cost

// PriceTable is the us-east-1 on-demand price of each priced item, with its
// free tier. Free tiers are the always-free ones unless the name says
// FirstYear.
type PriceTable struct {
	Date   string // when the figures were taken
	Source string

	LambdaPerMRequests  float64 // per million requests
	LambdaPerGBSecond   float64 // arm64
	LambdaFreeRequestsM float64 // million requests a month, always free
	LambdaFreeGBSeconds float64 // GB-seconds a month, always free

	DynamoDBPerWCUHour    float64 // provisioned, standard table class
	DynamoDBPerRCUHour    float64
	DynamoDBFreeWCU       float64 // provisioned units, always free, per account
	DynamoDBFreeRCU       float64
	DynamoDBPerMWrite     float64 // on-demand, per million write request units
	DynamoDBPerMRead      float64 // on-demand, per million read request units
	DynamoDBPerGBMonth    float64
	DynamoDBFreeStorageGB float64
	PITRPerGBMonth        float64
	BackupPerGBMonth      float64

	CloudFrontPerMRequests  float64 // HTTPS, United States
	CloudFrontPerGB         float64 // data transfer out, North America
	CloudFrontFreeRequestsM float64 // always free
	CloudFrontFreeGB        float64 // always free
	CFFunctionsPerM         float64
	CFFunctionsFreeM        float64

	CognitoPerMAU  float64 // Essentials, above the free tier
	CognitoFreeMAU float64 // Essentials, always free

	S3PerGBMonth      float64 // Standard
	S3FreeGBFirstYear float64 // only in a new account's first 12 months

	KMSPerKeyMonth    float64
	KMSPer10kRequests float64
	KMSFreeRequests   float64 // requests a month, always free

	WAFPerACL       float64
	WAFPerRule      float64
	WAFPerMRequests float64

	CloudTrailPer100kData float64 // data events; the first copy of management events is free

	LogsPerGBIngest      float64
	LogsFreeGB           float64
	AlarmPerMetric       float64 // standard resolution, per alarm metric
	AlarmsFree           float64
	CustomMetricPerMonth float64
	CustomMetricsFree    float64

	EndpointPerAZHour float64 // interface VPC endpoint, per AZ
}

// Prices is the table the estimate uses. The figures are the us-east-1
// list prices as known from AWS's public price pages on Date; they change,
// so check the pages before relying on a figure near a threshold.
var Prices = PriceTable{
	Date:   "2025-06-01",
	Source: "AWS public price pages (us-east-1, on-demand list prices) as known on that date",

	LambdaPerMRequests:  0.20,
	LambdaPerGBSecond:   0.0000133334,
	LambdaFreeRequestsM: 1,
	LambdaFreeGBSeconds: 400000,

	DynamoDBPerWCUHour:    0.00065,
	DynamoDBPerRCUHour:    0.00013,
	DynamoDBFreeWCU:       25,
	DynamoDBFreeRCU:       25,
	DynamoDBPerMWrite:     0.625,
	DynamoDBPerMRead:      0.125,
	DynamoDBPerGBMonth:    0.25,
	DynamoDBFreeStorageGB: 25,
	PITRPerGBMonth:        0.20,
	BackupPerGBMonth:      0.10,

	CloudFrontPerMRequests:  1.00,
	CloudFrontPerGB:         0.085,
	CloudFrontFreeRequestsM: 10,
	CloudFrontFreeGB:        1000,
	CFFunctionsPerM:         0.10,
	CFFunctionsFreeM:        2,

	CognitoPerMAU:  0.015,
	CognitoFreeMAU: 10000,

	S3PerGBMonth:      0.023,
	S3FreeGBFirstYear: 5,

	KMSPerKeyMonth:    1,
	KMSPer10kRequests: 0.03,
	KMSFreeRequests:   20000,

	WAFPerACL:       5,
	WAFPerRule:      1,
	WAFPerMRequests: 0.60,

	CloudTrailPer100kData: 0.10,

	LogsPerGBIngest:      0.50,
	LogsFreeGB:           5,
	AlarmPerMetric:       0.10,
	AlarmsFree:           10,
	CustomMetricPerMonth: 0.30,
	CustomMetricsFree:    10,

	EndpointPerAZHour: 0.01,
}
