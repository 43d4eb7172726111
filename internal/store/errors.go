package store

import (
	"errors"
)

// Permanent problems: retrying does not help until someone fixes the data.
var (
	// ErrUserNotFound: no document in users has id equal to the job's owner.
	ErrUserNotFound = errors.New("user document not found")
	// ErrJobsNotArray: the owner's document has a jobs field that is not an array.
	ErrJobsNotArray = errors.New("user document's jobs field is not an array")
	// ErrEntryTooLarge: the entry would push the document past the database's size limit.
	ErrEntryTooLarge = errors.New("entry too large for the user document")
)

// ErrConflict means a conditional update matched nothing: the entry moved, was removed, or was
// written by someone else since it was read. The caller re-reads and decides again.
var ErrConflict = errors.New("entry changed since it was read")

// IsPermanent reports errors that retrying cannot fix.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrUserNotFound) || errors.Is(err, ErrJobsNotArray) || errors.Is(err, ErrEntryTooLarge)
}
