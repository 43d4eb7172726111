package harness

import (
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Array reads a decoded BSON array (nil for anything else).
func Array(v any) []any {
	a, _ := v.(bson.A)
	return a
}

// Doc reads a decoded embedded document as a map (empty for anything else).
func Doc(v any) map[string]any {
	m := map[string]any{}
	d, _ := v.(bson.D)
	for _, e := range d {
		m[e.Key] = e.Value
	}
	return m
}

// Concurrently runs each writer in its own goroutine, rounds times each (passing the round), waits
// for all, and fails tb with the first error. It simulates services writing the same documents.
func Concurrently(tb testing.TB, rounds int, writers ...func(round int) error) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(writers))
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := w(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}
