package store

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// RemoveDuplicates deletes the further entries with id that an earlier operator left, keeping
// the one at keep (the first). Each copy is unset by a write guarded by its id at its index, then
// any nulls that leaves are pulled: two atomic single-element writes per call that touch nothing
// else (FerretDB v1 cannot pull by condition, and pulling an exact copy would remove the kept one
// too). It returns how many copies it removed.
func (s *Store) RemoveDuplicates(ctx context.Context, user, id string, keep int) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	jobs, err := s.readJobs(ctx, user)
	if err != nil {
		return 0, err
	}
	values, err := jobs.Array().Values()
	if err != nil {
		return 0, ErrJobsNotArray
	}
	removed := 0
	// From the end backwards: MongoDB's $unset leaves a null in place, FerretDB v1's removes the
	// element and shifts the rest; either way the indices still to visit stay valid.
	for i := len(values) - 1; i > keep; i-- {
		doc, ok := values[i].DocumentOK()
		if got, _ := doc.Lookup("id").StringValueOK(); !ok || got != id {
			continue
		}
		at := "jobs." + strconv.Itoa(i)
		start := time.Now()
		res, err := s.users.UpdateOne(ctx, bson.D{{Key: "id", Value: user}, {Key: at + ".id", Value: id}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: at, Value: ""}}}})
		s.observe("update", time.Since(start), err)
		if err != nil {
			return removed, classify("remove duplicate", err)
		}
		removed += int(res.MatchedCount) // FerretDB v1 does not always count an unset array element as modified
	}
	if removed > 0 {
		start := time.Now()
		_, err := s.users.UpdateOne(ctx, bson.D{{Key: "id", Value: user}}, bson.D{{Key: "$pull", Value: bson.D{{Key: "jobs", Value: nil}}}})
		s.observe("update", time.Since(start), err)
		if err != nil {
			return removed, classify("pull removed duplicates", err)
		}
	}
	return removed, nil
}
