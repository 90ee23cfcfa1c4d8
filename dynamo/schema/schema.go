// Package schema is the one definition of the DynamoDB table: the store, the
// `bptracker dynamo create-table` command and the CDK app all read it. It
// imports nothing, so the CDK module can use it without the AWS SDK.
package schema

// Index is a global secondary index with string keys, projecting all
// attributes.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
}

// Table describes the single table.
type Table struct {
	PartitionKey string // string
	SortKey      string // string
	Indexes      []Index
	// TTLAttribute holds an epoch-seconds expiry: sessions and expired
	// invitations only, never audit events or readings.
	TTLAttribute string
	// Provisioned capacity for the free profile (always-free tier: 25 WCU /
	// 25 RCU across the account, table and indexes together).
	ReadCapacity, WriteCapacity int
}

// Main is the application table.
var Main = Table{
	PartitionKey: "pk",
	SortKey:      "sk",
	Indexes: []Index{
		{Name: "gsi1", PartitionKey: "gsi1pk", SortKey: "gsi1sk"},
	},
	TTLAttribute:  "expires",
	ReadCapacity:  10,
	WriteCapacity: 10,
}
