package store

import "time"

// JobType is the job_type of every entry this service writes.
const JobType = "AgentJob"

// Entry is one element of a user's jobs array, as the front end reads it. Field names and types are
// a contract with existing consumers; SyncRev and DeletedTime are this service's additions.
type Entry struct {
	ID          string    `bson:"id"`
	JobName     string    `bson:"job_name"`
	JobType     string    `bson:"job_type"`
	Status      string    `bson:"status"`
	LastActive  time.Time `bson:"last_active"`
	CreatedTime time.Time `bson:"created_time"`
	AgentID     string    `bson:"agent_id"`
	Creator     string    `bson:"creator"`
	Nodes       []Node    `bson:"nodes"`
	// SyncRev counts this service's writes to the entry; every update is conditional on it, so two
	// writers (say, a grain and its stale duplicate) can never overwrite each other's newer data.
	SyncRev     int64      `bson:"sync_rev"`
	DeletedTime *time.Time `bson:"deleted_time,omitempty"`
}

// Node is the progress of one workflow node, copied from the AgentJob's status.nodes.
type Node struct {
	Alias       string `bson:"alias"`
	Status      string `bson:"status"`
	Output      any    `bson:"output,omitempty"`
	LastUpdated string `bson:"lastUpdated"`
}

// Change is what an update writes to an existing entry.
type Change struct {
	Status      string
	LastActive  time.Time
	Nodes       []Node
	DeletedTime *time.Time
}

// Located is a job's entry as found in its owner's document.
type Located struct {
	// Found is false when the owner's jobs array holds no entry with the job's id.
	Found bool
	// Index is the entry's position in the jobs array when it was read; positions shift when other
	// entries are removed, so every write re-checks the id at this index.
	Index int
	Entry Entry
	// Duplicates counts further entries with the same id (left by an earlier operator).
	Duplicates int
	// Len is the jobs array's length when it was read (0 when there is none).
	Len int
}
