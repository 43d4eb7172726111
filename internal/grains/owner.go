package grains

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// ErrInvalidOwner means spec.user cannot be the id of a user document.
var ErrInvalidOwner = errors.New("invalid spec.user")

// ValidateOwner accepts a canonical UUID (36 characters, either case), the form user ids take.
func ValidateOwner(owner string) error {
	if owner == "" {
		return fmt.Errorf("%w: empty", ErrInvalidOwner)
	}
	if len(owner) != 36 {
		return fmt.Errorf("%w: %q is not a UUID", ErrInvalidOwner, truncate(owner, 64))
	}
	if _, err := uuid.Parse(owner); err != nil {
		return fmt.Errorf("%w: %q is not a UUID", ErrInvalidOwner, owner)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
