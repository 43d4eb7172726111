package localenv

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/erulabs/agentjob-sync/internal/embeddeddb"
)

// StartDatabase starts the embedded MongoDB-wire server with its data in dir.
func StartDatabase(dir string) (*embeddeddb.Server, error) {
	return embeddeddb.Start(embeddeddb.Options{Dir: dir})
}

// Connect opens a driver client to uri and waits until the server answers a ping.
func Connect(ctx context.Context, uri string) (*mongo.Client, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := c.Ping(pctx, readpref.Primary()); err != nil {
		_ = c.Disconnect(context.Background())
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return c, nil
}
