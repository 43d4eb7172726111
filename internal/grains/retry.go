package grains

import (
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// RetryPolicy bounds how long a grain retries a transient database failure inside one call before
// it answers DATABASE_UNAVAILABLE and leaves further retries to the caller's rate-limited queue.
type RetryPolicy struct {
	Initial, Max time.Duration
	// Budget is the total time one call may spend waiting between attempts.
	Budget time.Duration
}

// DefaultRetry retries for about two seconds: 50ms, 100ms, 200ms, ... capped at 1s.
var DefaultRetry = RetryPolicy{Initial: 50 * time.Millisecond, Max: time.Second, Budget: 2 * time.Second}

// do runs fn until it succeeds, fails permanently, or the budget is spent. Only this grain waits:
// other grains run on their own mailboxes.
func (p RetryPolicy) do(fn func() error, transient func(error) bool, onRetry func()) error {
	b := wait.Backoff{Duration: p.Initial, Factor: 2, Jitter: 0.2, Steps: 1 << 30, Cap: p.Max}
	var waited time.Duration
	for {
		err := fn()
		if err == nil || !transient(err) {
			return err
		}
		d := b.Step()
		if waited+d > p.Budget {
			return err
		}
		onRetry()
		time.Sleep(d)
		waited += d
	}
}
