package store

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// MongoDB server error codes that mean the data, not the connection, is the problem.
const (
	codeBadValue           = 2
	codeBSONObjectTooLarge = 10334
)

// ErrUnavailable wraps failures to reach the database in time; they are worth retrying.
var ErrUnavailable = errors.New("database unavailable")

// classify maps driver errors to this package's errors so callers can decide on retries.
func classify(op string, err error) error {
	var se mongo.ServerError
	if errors.As(err, &se) {
		switch {
		case se.HasErrorCode(codeBSONObjectTooLarge):
			return fmt.Errorf("%s: %w: %v", op, ErrEntryTooLarge, err)
		case se.HasErrorCode(codeBadValue) && se.HasErrorMessage("must be an array"):
			return fmt.Errorf("%s: %w: %v", op, ErrJobsNotArray, err)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	// No answer from a server at all: network errors, timeouts, server selection failures.
	return fmt.Errorf("%s: %w: %v", op, ErrUnavailable, err)
}
