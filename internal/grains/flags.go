package grains

// Flags are the seed operator's feature flags: each on unless set to something other than "true".
// They decide which statuses this service writes, so one deployment can be split per state.
type Flags struct {
	// New allows creating entries (status New).
	New bool
	// Inactive allows writing Pending.
	Inactive bool
	// Completed allows writing Complete.
	Completed bool
	// Error allows writing Error.
	Error bool
	// NodeStatus allows copying status.nodes into the entry.
	NodeStatus bool
}

// AllFlags turns everything on.
func AllFlags() Flags {
	return Flags{New: true, Inactive: true, Completed: true, Error: true, NodeStatus: true}
}

// Allows reports whether s may be written. Executing has no flag in the seed operator and is always
// written.
func (f Flags) Allows(s Status) bool {
	switch s {
	case New:
		return f.New
	case Pending:
		return f.Inactive
	case Complete:
		return f.Completed
	case Error:
		return f.Error
	}
	return true
}

// FlagsFromEnv reads the five FEATURE_* variables through lookup (os.LookupEnv in production).
func FlagsFromEnv(lookup func(string) (string, bool)) Flags {
	on := func(name string) bool {
		v, ok := lookup(name)
		return !ok || v == "true"
	}
	return Flags{
		New:        on("FEATURE_NEW_AGENT_JOBS"),
		Inactive:   on("FEATURE_INACTIVE_AGENT_JOBS"),
		Completed:  on("FEATURE_COMPLETED_AGENT_JOBS"),
		Error:      on("FEATURE_ERROR_AGENT_JOBS"),
		NodeStatus: on("FEATURE_NODE_STATUS_UPDATES"),
	}
}
