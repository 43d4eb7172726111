package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/erulabs/agentjob-sync/internal/store"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

func newStore(t *testing.T) (*store.Store, *harness.Mongo) {
	t.Helper()
	m := harness.SharedMongo(t)
	return store.New(m.Client, store.Options{}), m
}

func entry(id, status string) store.Entry {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return store.Entry{
		ID: id, JobName: "job-" + id[:8], JobType: store.JobType, Status: status,
		LastActive: now, CreatedTime: now, AgentID: "agent", Creator: "creator", SyncRev: 1,
	}
}

// jobIDs lists the ids in a user's jobs array, in order.
func jobIDs(t *testing.T, m *harness.Mongo, user string) []string {
	t.Helper()
	doc := m.UserDoc(t, user)
	jobs, _ := doc["jobs"].(bson.A)
	var ids []string
	for _, j := range jobs {
		ids = append(ids, harness.Doc(j)["id"].(string))
	}
	return ids
}

func count(ids []string, id string) int {
	n := 0
	for _, x := range ids {
		if x == id {
			n++
		}
	}
	return n
}

func TestInsertIsIdempotentUnderRetries(t *testing.T) {
	s, m := newStore(t)
	user := m.SeedUser(t)
	e := entry(uuid.NewString(), "New")
	ctx := context.Background()
	for i, want := range []bool{true, false, false} {
		got, _, err := s.Insert(ctx, user, e, -1)
		if err != nil {
			t.Fatalf("insert #%d: %v", i, err)
		}
		if got != want {
			t.Errorf("insert #%d reported inserted=%v, want %v", i, got, want)
		}
	}
	if ids := jobIDs(t, m, user); count(ids, e.ID) != 1 {
		t.Fatalf("jobs = %v, want exactly one %s", ids, e.ID)
	}
}

func TestInsertIsIdempotentUnderConcurrency(t *testing.T) {
	s, m := newStore(t)
	user := m.SeedUser(t)
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	var inserted atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range ids {
				ok, _, err := s.Insert(context.Background(), user, entry(id, "New"), -1)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					inserted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("insert: %v", err)
	}
	got := jobIDs(t, m, user)
	for _, id := range ids {
		if count(got, id) != 1 {
			t.Errorf("job %s appears %d times in %v", id, count(got, id), got)
		}
	}
	if inserted.Load() != int32(len(ids)) {
		t.Errorf("%d calls reported an insert, want %d", inserted.Load(), len(ids))
	}
}

func TestInsertReportsMissingUserAndNonArrayJobs(t *testing.T) {
	s, m := newStore(t)
	ctx := context.Background()
	if _, _, err := s.Insert(ctx, uuid.NewString(), entry(uuid.NewString(), "New"), -1); !errors.Is(err, store.ErrUserNotFound) {
		t.Errorf("insert for a missing user: %v, want ErrUserNotFound", err)
	}
	user := uuid.NewString()
	if _, err := m.Users().InsertOne(ctx, bson.D{{Key: "id", Value: user}, {Key: "jobs", Value: "oops"}}); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Insert(ctx, user, entry(uuid.NewString(), "New"), -1)
	if !errors.Is(err, store.ErrJobsNotArray) || !store.IsPermanent(err) {
		t.Errorf("insert into non-array jobs: %v, want permanent ErrJobsNotArray", err)
	}
	if got := m.UserDoc(t, user)["jobs"]; got != "oops" {
		t.Errorf("jobs was changed to %v", got)
	}
}

func TestInsertCreatesMissingJobsArray(t *testing.T) {
	s, m := newStore(t)
	ctx := context.Background()
	user := uuid.NewString()
	if _, err := m.Users().InsertOne(ctx, bson.D{{Key: "id", Value: user}, {Key: "name", Value: "no jobs yet"}}); err != nil {
		t.Fatal(err)
	}
	e := entry(uuid.NewString(), "New")
	if ok, idx, err := s.Insert(ctx, user, e, 0); err != nil || !ok || idx != 0 {
		t.Fatalf("insert: %v %v", ok, err)
	}
	if ids := jobIDs(t, m, user); len(ids) != 1 || ids[0] != e.ID {
		t.Fatalf("jobs = %v", ids)
	}
}

func TestUpdateTouchesOnlyItsElementAndIsGuarded(t *testing.T) {
	s, m := newStore(t)
	user := m.SeedUser(t)
	ctx := context.Background()
	a, b, c := entry(uuid.NewString(), "New"), entry(uuid.NewString(), "New"), entry(uuid.NewString(), "Pending")
	for i, e := range []store.Entry{a, b, c} {
		// The right length hint yields the index; a stale one still inserts, index unknown.
		hint, want := i, i
		if i == 2 {
			hint, want = 1, -1
		}
		if ok, idx, err := s.Insert(ctx, user, e, hint); err != nil || !ok || idx != want {
			t.Fatalf("insert #%d: inserted %v at %d (want %d): %v", i, ok, idx, want, err)
		}
	}
	loc, err := s.Load(ctx, user, b.ID)
	if err != nil || !loc.Found || loc.Index != 1 || loc.Entry.SyncRev != 1 {
		t.Fatalf("load b: %+v %v", loc, err)
	}
	later := time.Now().UTC().Add(time.Minute).Truncate(time.Millisecond)
	nodes := []store.Node{{Alias: "fetch", Status: "completed", Output: "ok", LastUpdated: "2025-01-01T00:00:00Z"}}
	ch := store.Change{Status: "Executing", LastActive: later, Nodes: nodes}
	if err := s.Update(ctx, user, b.ID, loc.Index, loc.Entry.SyncRev, ch); err != nil {
		t.Fatalf("update: %v", err)
	}
	// The same revision again is stale: a duplicate writer must not overwrite newer data.
	if err := s.Update(ctx, user, b.ID, loc.Index, loc.Entry.SyncRev, store.Change{Status: "New"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	// The wrong index (the element holds another job) must not be written either.
	if err := s.Update(ctx, user, b.ID, 0, 1, ch); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update at another job's index: %v, want ErrConflict", err)
	}
	got, err := s.Load(ctx, user, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Entry.Status != "Executing" || got.Entry.SyncRev != 2 || !got.Entry.LastActive.Equal(later) ||
		len(got.Entry.Nodes) != 1 || got.Entry.Nodes[0].Output != "ok" {
		t.Errorf("b after update = %+v", got.Entry)
	}
	for _, other := range []store.Entry{a, c} {
		o, err := s.Load(ctx, user, other.ID)
		if err != nil || o.Entry.Status != other.Status || o.Entry.SyncRev != 1 || o.Entry.JobName != other.JobName {
			t.Errorf("neighbour %s changed: %+v %v", other.ID, o.Entry, err)
		}
	}
}

// The manager service removes entries by id; positions shift, so a write at the remembered index
// must miss and a re-read must find the new position.
func TestUpdateAfterIndexShift(t *testing.T) {
	s, m := newStore(t)
	user := m.SeedUser(t)
	ctx := context.Background()
	first, ours := entry(uuid.NewString(), "New"), entry(uuid.NewString(), "New")
	for _, e := range []store.Entry{first, ours} {
		if _, _, err := s.Insert(ctx, user, e, -1); err != nil {
			t.Fatal(err)
		}
	}
	m.PullJob(t, user, first.ID)
	ch := store.Change{Status: "Complete", LastActive: time.Now().UTC()}
	if err := s.Update(ctx, user, ours.ID, 1, 1, ch); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update at the old index: %v, want ErrConflict", err)
	}
	loc, err := s.Load(ctx, user, ours.ID)
	if err != nil || !loc.Found || loc.Index != 0 {
		t.Fatalf("reload: %+v %v", loc, err)
	}
	if err := s.Update(ctx, user, ours.ID, loc.Index, loc.Entry.SyncRev, ch); err != nil {
		t.Fatalf("update at the new index: %v", err)
	}
	if got, _ := s.Load(ctx, user, first.ID); got.Found {
		t.Error("the pulled entry came back")
	}
}

// Entries written by the previous operator carry no sync_rev; the first write claims them.
func TestUpdateClaimsLegacyEntry(t *testing.T) {
	s, m := newStore(t)
	user := m.SeedUser(t)
	ctx := context.Background()
	id := uuid.NewString()
	legacy := bson.D{{Key: "id", Value: id}, {Key: "job_name", Value: "old"}, {Key: "job_type", Value: "AgentJob"},
		{Key: "status", Value: "Pending"}, {Key: "last_active", Value: time.Now().UTC()}}
	if _, err := m.Users().UpdateOne(ctx, bson.D{{Key: "id", Value: user}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "jobs", Value: legacy}}}}); err != nil {
		t.Fatal(err)
	}
	loc, err := s.Load(ctx, user, id)
	if err != nil || !loc.Found || loc.Entry.SyncRev != 0 || loc.Entry.Status != "Pending" {
		t.Fatalf("load legacy: %+v %v", loc, err)
	}
	if err := s.Update(ctx, user, id, loc.Index, 0, store.Change{Status: "Complete", LastActive: time.Now().UTC()}); err != nil {
		t.Fatalf("claim legacy entry: %v", err)
	}
	if got, _ := s.Load(ctx, user, id); got.Entry.SyncRev != 1 || got.Entry.Status != "Complete" || got.Entry.JobName != "old" {
		t.Errorf("after claim: %+v", got.Entry)
	}
}

// What the manager service does to the same documents — $inc/$set of credits, $push/$pull of
// devices and of its own job entries — runs concurrently with this service's writes; nothing is lost.
func TestConcurrentWritersOfOtherFieldsAreNotClobbered(t *testing.T) {
	s, m := newStore(t)
	users := []string{m.SeedUser(t), m.SeedUser(t)}
	ctx := context.Background()
	const rounds = 40
	var writers []func(int) error
	for _, user := range users {
		filter := bson.D{{Key: "id", Value: user}}
		writers = append(writers, func(i int) error {
			_, err := m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$inc", Value: bson.D{{Key: "compute_credits", Value: 1}}}})
			return err
		})
		writers = append(writers, func(i int) error {
			_, err := m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$push", Value: bson.D{{Key: "compute_devices", Value: fmt.Sprintf("dev-%d", i)}}}})
			if err == nil && i%2 == 1 { // keep the even devices, remove the odd ones again
				_, err = m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$pull", Value: bson.D{{Key: "compute_devices", Value: fmt.Sprintf("dev-%d", i)}}}})
			}
			return err
		})
		writers = append(writers, func(i int) error {
			id := fmt.Sprintf("manager-%s-%d", user[:8], i)
			_, err := m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$push", Value: bson.D{{Key: "jobs", Value: bson.D{{Key: "id", Value: id}, {Key: "status", Value: "Manual"}}}}}})
			if err == nil && i%2 == 1 {
				err = m.RemoveJob(ctx, user, id)
			}
			return err
		})
		ours := entry(uuid.NewString(), "New")
		writers = append(writers, func(i int) error { return driveEntry(ctx, s, user, ours, i, i == rounds-1) })
	}
	harness.Concurrently(t, rounds, writers...)
	for _, user := range users {
		doc := m.UserDoc(t, user)
		if got := doc["compute_credits"]; fmt.Sprint(got) != fmt.Sprint(1000+rounds) {
			t.Errorf("compute_credits = %v, want %d: an increment was lost", got, 1000+rounds)
		}
		if got := len(doc["compute_devices"].(bson.A)); got != rounds/2 {
			t.Errorf("%d devices, want %d", got, rounds/2)
		}
		ids := jobIDs(t, m, user)
		manager, ours := 0, 0
		for _, id := range ids {
			if len(id) > 8 && id[:8] == "manager-" {
				manager++
			} else {
				ours++
			}
		}
		if manager != rounds/2 || ours != 1 {
			t.Errorf("jobs: %d manager entries (want %d), %d of ours (want 1): %v", manager, rounds/2, ours, ids)
		}
		for _, j := range doc["jobs"].(bson.A) {
			e := harness.Doc(j)
			if e["status"] != "Manual" && (e["status"] != "Complete" || fmt.Sprint(e["sync_rev"]) != fmt.Sprint(rounds)) {
				t.Errorf("our entry ended as %v", e)
			}
		}
	}
}

// driveEntry is step i of this service's writes for one job: insert, then one conditional update
// per step (re-reading on conflicts, as the grain does), ending Complete.
func driveEntry(ctx context.Context, s *store.Store, user string, e store.Entry, i int, last bool) error {
	if i == 0 {
		for attempt := 0; attempt < 100; attempt++ {
			if _, _, err := s.Insert(ctx, user, e, -1); !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return errors.New("insert kept conflicting")
	}
	status := "Executing"
	if last {
		status = "Complete"
	}
	for attempt := 0; attempt < 100; attempt++ {
		loc, err := s.Load(ctx, user, e.ID)
		if err != nil {
			return err
		}
		err = s.Update(ctx, user, e.ID, loc.Index, loc.Entry.SyncRev, store.Change{Status: status, LastActive: time.Now().UTC()})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return errors.New("update kept conflicting")
}

// Copies of one job's entry left by an earlier operator are removed, keeping the first, and
// neighbours stay.
func TestRemoveDuplicatesKeepsFirstAndNeighbours(t *testing.T) {
	s, m := newStore(t)
	user := m.SeedUser(t)
	ctx := context.Background()
	id := uuid.NewString()
	copyOf := bson.D{{Key: "id", Value: id}, {Key: "status", Value: "Pending"}}
	for _, e := range []bson.D{copyOf, {{Key: "id", Value: "other"}}, copyOf, copyOf} {
		if _, err := m.Users().UpdateOne(ctx, bson.D{{Key: "id", Value: user}}, bson.D{{Key: "$push", Value: bson.D{{Key: "jobs", Value: e}}}}); err != nil {
			t.Fatal(err)
		}
	}
	loc, err := s.Load(ctx, user, id)
	if err != nil || loc.Index != 0 || loc.Duplicates != 2 {
		t.Fatalf("load: %+v %v", loc, err)
	}
	n, err := s.RemoveDuplicates(ctx, user, id, loc.Index)
	if err != nil || n != 2 {
		t.Fatalf("removed %d: %v", n, err)
	}
	if ids := jobIDs(t, m, user); len(ids) != 2 || ids[0] != id || ids[1] != "other" {
		t.Fatalf("jobs = %v", ids)
	}
}
