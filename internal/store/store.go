// Package store is the MongoDB adapter for the users collection. It only ever issues atomic,
// conditional updates that touch one element of a user's jobs array: it never reads a document to
// write it back, so concurrent writers of other fields and other entries are never clobbered.
//
// Every write shape runs on MongoDB 6+ and on FerretDB v1 (which lacks arrayFilters and the
// positional $ operator): elements are addressed by index, guarded by their id.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Names of the data contract.
const (
	Database   = "ainuUsers"
	Collection = "users"
)

// Store reads and writes job entries in users documents.
type Store struct {
	users   *mongo.Collection
	timeout time.Duration
	observe func(op string, took time.Duration, err error)
}

// Options configures a Store.
type Options struct {
	// Database and Collection default to the data contract's names.
	Database, Collection string
	// Timeout bounds every call; default 5s.
	Timeout time.Duration
	// Observe, if set, is told about every database round trip (op is read, insert or update).
	Observe func(op string, took time.Duration, err error)
}

// New returns a Store on client.
func New(client *mongo.Client, opts Options) *Store {
	if opts.Database == "" {
		opts.Database = Database
	}
	if opts.Collection == "" {
		opts.Collection = Collection
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Observe == nil {
		opts.Observe = func(string, time.Duration, error) {}
	}
	return &Store{users: client.Database(opts.Database).Collection(opts.Collection), timeout: opts.Timeout, observe: opts.Observe}
}

// Insert appends e to the owner's jobs array unless an entry with e.ID is already there: an
// atomic conditional push guarded by {$nor: [{"jobs.id": e.ID}]}. It is idempotent: retries and
// concurrent calls leave exactly one entry, and concurrent inserts of other jobs never make it
// fail. It reports whether this call inserted the entry and, when it can tell, where.
//
// length is the array's length as the caller last read it (-1: unknown). The first attempt also
// requires that length, so that on success the entry's index is known without another read; if
// the array changed meanwhile, the push is repeated without that guard and the index is -1.
//
// FerretDB v1 evaluates $ne, $nin and $elemMatch on arrays of documents wrongly, but evaluates
// the array equality inside $nor as MongoDB does (tested in this package).
func (s *Store) Insert(ctx context.Context, user string, e Entry, length int) (inserted bool, index int, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if e.Nodes == nil {
		e.Nodes = []Node{}
	}
	absent := bson.D{{Key: "jobs.id", Value: e.ID}}
	push := bson.D{{Key: "$push", Value: bson.D{{Key: "jobs", Value: e}}}}
	if length >= 0 {
		filter := bson.D{{Key: "id", Value: user}, {Key: "$nor", Value: bson.A{absent}},
			{Key: "jobs." + strconv.Itoa(length), Value: bson.D{{Key: "$exists", Value: false}}}}
		if length > 0 {
			filter = append(filter, bson.E{Key: "jobs." + strconv.Itoa(length-1), Value: bson.D{{Key: "$exists", Value: true}}})
		}
		start := time.Now()
		res, err := s.users.UpdateOne(ctx, filter, push)
		s.observe("insert", time.Since(start), err)
		if err == nil && res.MatchedCount == 1 {
			return true, length, nil
		}
	}
	start := time.Now()
	res, err := s.users.UpdateOne(ctx, bson.D{{Key: "id", Value: user}, {Key: "$nor", Value: bson.A{absent}}}, push)
	s.observe("insert", time.Since(start), err)
	if err == nil && res.MatchedCount == 1 {
		return true, -1, nil
	}
	// Nothing matched, or the push failed: read the document to say why.
	loc, lerr := s.Load(ctx, user, e.ID)
	switch {
	case lerr != nil:
		return false, -1, lerr
	case err != nil:
		return false, -1, classify("insert entry", err)
	case !loc.Found:
		return false, -1, ErrConflict // there a moment ago, gone now: let the caller decide again
	}
	return false, loc.Index, nil
}

// Update writes ch to the entry at index, provided it still holds id and was last written at
// revision rev (0: never written by this service). It returns ErrConflict when the guard misses.
func (s *Store) Update(ctx context.Context, user, id string, index int, rev int64, ch Change) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	at := "jobs." + strconv.Itoa(index) + "."
	var revGuard any = rev
	if rev == 0 {
		revGuard = bson.D{{Key: "$exists", Value: false}}
	}
	nodes := ch.Nodes
	if nodes == nil {
		nodes = []Node{}
	}
	set := bson.D{
		{Key: at + "status", Value: ch.Status},
		{Key: at + "last_active", Value: ch.LastActive},
		{Key: at + "nodes", Value: nodes},
		{Key: at + "sync_rev", Value: rev + 1},
	}
	if ch.DeletedTime != nil {
		set = append(set, bson.E{Key: at + "deleted_time", Value: *ch.DeletedTime})
	}
	start := time.Now()
	res, err := s.users.UpdateOne(ctx,
		bson.D{{Key: "id", Value: user}, {Key: at + "id", Value: id}, {Key: at + "sync_rev", Value: revGuard}},
		bson.D{{Key: "$set", Value: set}},
	)
	s.observe("update", time.Since(start), err)
	if err != nil {
		return classify("update entry", err)
	}
	if res.MatchedCount == 0 {
		return ErrConflict
	}
	return nil
}

// Load finds the job's entry in the owner's document.
func (s *Store) Load(ctx context.Context, user, id string) (Located, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	jobs, err := s.readJobs(ctx, user)
	if err != nil {
		return Located{}, err
	}
	return locate(jobs, id)
}

// readJobs reads only the jobs field of the owner's document.
func (s *Store) readJobs(ctx context.Context, user string) (bson.RawValue, error) {
	var doc struct {
		Jobs bson.RawValue `bson:"jobs"`
	}
	start := time.Now()
	err := s.users.FindOne(ctx, bson.D{{Key: "id", Value: user}},
		options.FindOne().SetProjection(bson.D{{Key: "jobs", Value: 1}, {Key: "_id", Value: 0}})).Decode(&doc)
	s.observe("read", time.Since(start), err)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return bson.RawValue{}, fmt.Errorf("%w: id %q", ErrUserNotFound, user)
	}
	if err != nil {
		return bson.RawValue{}, classify("read jobs", err)
	}
	return doc.Jobs, nil
}

// locate finds id in a jobs array value.
func locate(jobs bson.RawValue, id string) (Located, error) {
	var loc Located
	switch jobs.Type {
	case 0:
		return loc, nil // no jobs yet; $push creates the array
	case bson.TypeArray:
	default:
		return loc, fmt.Errorf("%w (it is %s)", ErrJobsNotArray, jobs.Type)
	}
	values, err := jobs.Array().Values()
	if err != nil {
		return loc, fmt.Errorf("decode jobs array: %w", err)
	}
	loc.Len = len(values)
	for i, v := range values {
		doc, ok := v.DocumentOK()
		if !ok {
			continue
		}
		if got, ok := doc.Lookup("id").StringValueOK(); !ok || got != id {
			continue
		}
		if loc.Found {
			loc.Duplicates++
			continue
		}
		loc.Found, loc.Index = true, i
		loc.Entry = decodeEntry(doc)
	}
	return loc, nil
}

// decodeEntry reads an entry leniently: entries written by earlier operators or by the manager
// service may lack fields or use other types, and must not stop the job from syncing.
func decodeEntry(doc bson.Raw) Entry {
	var e Entry
	if err := bson.Unmarshal(doc, &e); err == nil {
		return e
	}
	e = Entry{}
	e.ID, _ = doc.Lookup("id").StringValueOK()
	e.Status, _ = doc.Lookup("status").StringValueOK()
	e.JobName, _ = doc.Lookup("job_name").StringValueOK()
	if rev, ok := doc.Lookup("sync_rev").AsInt64OK(); ok {
		e.SyncRev = rev
	}
	return e
}
