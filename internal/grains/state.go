package grains

import "strings"

// Status is an entry's status as the front end reads it. Always written capitalized.
type Status string

// The lifecycle, in order; Complete and Error are both terminal.
const (
	New       Status = "New"
	Pending   Status = "Pending"
	Executing Status = "Executing"
	Complete  Status = "Complete"
	Error     Status = "Error"
)

// ParseState maps status.state as the job operator writes it (any case, either spelling) to a
// Status. The empty state is a just-created job.
func ParseState(s string) (Status, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "new":
		return New, true
	case "inactive", "pending":
		return Pending, true
	case "executing", "running":
		return Executing, true
	case "completed", "complete", "succeeded":
		return Complete, true
	case "error", "failed":
		return Error, true
	}
	return "", false
}

// Rank orders statuses; an entry's status never moves to a lower or equal rank, and never leaves a
// terminal one. Unknown values (written by someone else) rank below New so any real state replaces them.
func Rank(s Status) int {
	switch s {
	case New:
		return 0
	case Pending:
		return 1
	case Executing:
		return 2
	case Complete, Error:
		return 3
	}
	return -1
}

// Terminal reports Complete and Error.
func Terminal(s Status) bool { return s == Complete || s == Error }

// normalizeStored reads a status found in the document, which may have been written by the
// previous operator in another case; unknown values are kept as they are.
func normalizeStored(s string) Status {
	if s == "" {
		return Status("")
	}
	if st, ok := ParseState(s); ok {
		return st
	}
	return Status(s)
}
