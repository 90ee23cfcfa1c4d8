package http

import (
	"sync"
	"time"
)

// limiter allows n events per window per key (a source address), a fixed
// window counter: enough to blunt password and code guessing from one
// address, while per-account lockout stops guessing spread over many.
type limiter struct {
	now    func() time.Time
	n      int
	window time.Duration

	mu    sync.Mutex
	start time.Time
	count map[string]int
}

func newLimiter(now func() time.Time, n int, window time.Duration) *limiter {
	return &limiter{now: now, n: n, window: window, count: map[string]int{}}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); now.Sub(l.start) >= l.window {
		l.start, l.count = now, map[string]int{}
	}
	l.count[key]++
	return l.count[key] <= l.n
}
