package dynamo_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/dynamo"
	"github.com/bptracker/bptracker/internal/dynamolocal"
	"github.com/bptracker/bptracker/internal/emulators"
	"github.com/bptracker/bptracker/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynamolocal.Stop()
	os.Exit(code)
}

var tables atomic.Int64

// MustOpenDB creates a fresh table on DynamoDB Local and opens a store on it.
func MustOpenDB(tb testing.TB) *dynamo.DB {
	tb.Helper()
	endpoint := dynamolocal.Start(tb)
	ctx := context.Background()
	cfg := dynamo.Config{Table: fmt.Sprintf("bpt-test-%d", tables.Add(1)), Endpoint: endpoint, AWS: emulators.AWS()}
	if err := dynamo.CreateTable(ctx, cfg); err != nil {
		tb.Fatalf("CreateTable: %v", err)
	}
	db, err := dynamo.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.RunConformance(t, func(t *testing.T) bptracker.Store { return MustOpenDB(t) })
}
