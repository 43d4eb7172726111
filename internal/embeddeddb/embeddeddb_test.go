package embeddeddb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/erulabs/agentjob-sync/internal/embeddeddb"
	"github.com/erulabs/agentjob-sync/internal/localenv"
)

// Concurrent read-modify-write updates of one document from several clients must all apply, as on
// MongoDB. Without the serializing proxy FerretDB v1 loses most of them (measured: 52 of 400 kept).
func TestConcurrentUpdatesOfOneDocumentAllApply(t *testing.T) {
	srv, err := embeddeddb.Start(embeddeddb.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ctx := context.Background()
	const clients, perClient = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		cl, err := localenv.Connect(ctx, srv.URI())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cl.Disconnect(ctx) })
		coll := cl.Database("t").Collection("c")
		if c == 0 {
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "id", Value: "doc"}, {Key: "n", Value: 0}}); err != nil {
				t.Fatal(err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				if _, err := coll.UpdateOne(ctx, bson.D{{Key: "id", Value: "doc"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cl, err := localenv.Connect(ctx, srv.URI())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Disconnect(ctx) }()
	var doc bson.M
	if err := cl.Database("t").Collection("c").FindOne(ctx, bson.D{{Key: "id", Value: "doc"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doc["n"]); got != fmt.Sprint(clients*perClient) {
		t.Fatalf("n = %s after %d increments: updates were lost", got, clients*perClient)
	}
}

// Data lives in the folder: a restarted server sees what the previous one wrote.
func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	write := func(want int) int {
		srv, err := embeddeddb.Start(embeddeddb.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = srv.Close() }()
		cl, err := localenv.Connect(ctx, srv.URI())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cl.Disconnect(ctx) }()
		coll := cl.Database("t").Collection("c")
		n, err := coll.CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "i", Value: want}}); err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	if n := write(1); n != 0 {
		t.Fatalf("fresh folder holds %d documents", n)
	}
	if n := write(2); n != 1 {
		t.Fatalf("after restart %d documents, want 1", n)
	}
}
