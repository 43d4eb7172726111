package grains

import (
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// RetryPolicy bounds how long a grain retries a transient database failure inside one call before
// it answers DATABASE_UNAVAILABLE and leaves further retries to the caller's rate-limited queue.
type RetryPolicy struct {
	// Initial and Max bound the exponential backoff between attempts.
	Initial, Max time.Duration
	// Budget is the wall time one call may spend on the database, attempts and waits included; it
	// must stay below the callers' grain request timeout.
	Budget time.Duration
}

// DefaultRetry gives a call four seconds: attempts 50ms, 100ms, 200ms, ... apart, capped at 1s.
var DefaultRetry = RetryPolicy{Initial: 50 * time.Millisecond, Max: time.Second, Budget: 4 * time.Second}

// do runs fn until it succeeds, fails permanently, or the deadline would pass before the next
// attempt. Only this grain waits: other grains run on their own mailboxes.
func (p RetryPolicy) do(deadline time.Time, fn func() error, transient func(error) bool, onRetry func()) error {
	b := wait.Backoff{Duration: p.Initial, Factor: 2, Jitter: 0.2, Steps: 1 << 30, Cap: p.Max}
	for {
		err := fn()
		if err == nil || !transient(err) {
			return err
		}
		d := b.Step()
		if time.Now().Add(d).After(deadline) {
			return err
		}
		onRetry()
		time.Sleep(d)
	}
}
