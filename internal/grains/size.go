package grains

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/erulabs/agentjob-sync/internal/store"
)

// fitNodes keeps an entry's nodes under limit bytes: whole if they fit, without their outputs
// (which the front end can live without; state and per-node status still sync) if that fits, and
// reports false if even that is too large.
func fitNodes(nodes []store.Node, limit int) ([]store.Node, bool) {
	if size(nodes) <= limit {
		return nodes, true
	}
	slim := make([]store.Node, len(nodes))
	for i, n := range nodes {
		n.Output = nil
		slim[i] = n
	}
	return slim, size(slim) <= limit
}

func size(nodes []store.Node) int {
	b, err := bson.Marshal(struct {
		Nodes []store.Node `bson:"nodes"`
	}{nodes})
	if err != nil {
		return int(^uint(0) >> 1) // unencodable counts as too large
	}
	return len(b)
}
