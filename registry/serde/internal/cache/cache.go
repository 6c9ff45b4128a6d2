// Package cache is the serde's size-bounded, refresh-after-write cache.
package cache

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// errLoadAborted is what callers sharing a load get when it ended without
// a result.
var errLoadAborted = errors.New("serde: a concurrent registry lookup was aborted")

// LRU is a size-bounded cache safe for concurrent use whose entries go
// stale after a TTL. Like the Java library's refresh-after-write caches,
// a stale entry is reloaded on its next use but kept, and used, while
// reloading fails; concurrent loads of one key share one call.
type LRU[K comparable, V any] struct {
	mu       sync.Mutex
	size     int
	ttl      time.Duration
	now      func() time.Time
	order    *list.List // front: most recently used
	items    map[K]*list.Element
	inflight map[K]*loadCall[V]
}

type lruEntry[K comparable, V any] struct {
	key     K
	val     V
	expires time.Time
}

// loadCall is a load in progress; done closes when val and err are set.
type loadCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// Defaults of New: the Java library's.
const (
	DefaultSize = 200
	DefaultTTL  = 24 * time.Hour
)

// New returns a cache of size entries (DefaultSize when not positive)
// that go stale ttl (DefaultTTL when not positive) after they are put,
// by now (time.Now when nil).
func New[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *LRU[K, V] {
	if size <= 0 {
		size = DefaultSize
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &LRU[K, V]{size: size, ttl: ttl, now: now, order: list.New(), items: map[K]*list.Element{}, inflight: map[K]*loadCall[V]{}}
}

// lookup returns k's value and whether it is still fresh; c.mu is held.
func (c *LRU[K, V]) lookup(k K) (v V, fresh, ok bool) {
	el, ok := c.items[k]
	if !ok {
		return v, false, false
	}
	e := el.Value.(*lruEntry[K, V])
	c.order.MoveToFront(el)
	return e.val, c.now().Before(e.expires), true
}

// Get returns k's value while it is fresh.
func (c *LRU[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, fresh, _ := c.lookup(k)
	if !fresh {
		var zero V
		return zero, false
	}
	return v, true
}

// Put stores v under k, fresh for the TTL.
func (c *LRU[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

func (c *LRU[K, V]) putLocked(k K, v V) {
	exp := c.now().Add(c.ttl)
	if el, ok := c.items[k]; ok {
		e := el.Value.(*lruEntry[K, V])
		e.val, e.expires = v, exp
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&lruEntry[K, V]{key: k, val: v, expires: exp})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruEntry[K, V]).key)
	}
}

// Load returns k's fresh value, or loads it with fn and caches the
// result. Callers asking for a key already loading wait for that load.
// When fn fails and k holds a stale value, load returns the stale value
// (the entry stays stale, so the next use tries again) and passes the
// failure to onStale.
func (c *LRU[K, V]) Load(ctx context.Context, k K, fn func() (V, error), onStale func(error)) (V, error) {
	c.mu.Lock()
	if v, fresh, _ := c.lookup(k); fresh {
		c.mu.Unlock()
		return v, nil
	}
	if call, ok := c.inflight[k]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
			return call.val, call.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	call := &loadCall[V]{done: make(chan struct{}), err: errLoadAborted}
	c.inflight[k] = call
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.inflight, k)
		c.mu.Unlock()
		close(call.done)
	}()

	v, err := fn()
	c.mu.Lock()
	usedStale := false
	if err == nil {
		c.putLocked(k, v)
	} else if old, _, ok := c.lookup(k); ok {
		v, usedStale = old, true
	}
	c.mu.Unlock()
	if usedStale {
		if onStale != nil {
			onStale(err)
		}
		err = nil
	}
	call.val, call.err = v, err
	return v, err
}

// Len is the number of entries.
func (c *LRU[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
