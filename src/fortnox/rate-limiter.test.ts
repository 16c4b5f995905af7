import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxInAnyWindow } from './local-server.test-support.ts';
import { RateLimiter, RateLimiterRegistry } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('never starts more than the limit in any window, and serves waiters in arrival order', async () => {
    const limiter = new RateLimiter({ limit: 5, windowMs: 100, marginMs: 5 });
    const started: { i: number; at: number }[] = [];
    await Promise.all(Array.from({ length: 23 }, (_, i) => limiter.acquire().then(() => started.push({ i, at: performance.now() }))));
    assert.equal(started.length, 23);
    assert.deepEqual(started.map((s) => s.i), Array.from({ length: 23 }, (_, i) => i));
    assert.ok(maxInAnyWindow(started.map((s) => s.at), 100) <= 5);
    assert.equal(limiter.stats.sent, 23);
    assert.equal(limiter.stats.waits, 18);
    assert.equal(limiter.stats.queued, 0);
  });

  it('starts the first `limit` requests at once without waiting', async () => {
    const limiter = new RateLimiter({ limit: 4, windowMs: 10_000 });
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    assert.equal(limiter.stats.waits, 0);
    assert.equal(limiter.stats.sent, 4);
  });

  it('releases a waiting slot to the next request the moment the oldest leaves the window', async () => {
    // A fake clock: we decide when time moves, so "the instant a slot frees" is exact.
    let now = 0;
    const limiter = new RateLimiter({ limit: 2, windowMs: 1000, marginMs: 0, now: () => now });
    await limiter.acquire();
    now = 400;
    await limiter.acquire();
    const order: string[] = [];
    const third = limiter.acquire().then(() => order.push(`third@${now}`));
    now = 1000; // the first slot frees exactly now
    await third;
    assert.deepEqual(order, ['third@1000']);
  });

  it('drops an aborted waiter from the queue without using a slot', async () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 50, marginMs: 0 });
    await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire(ac.signal);
    ac.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    await limiter.acquire();
    assert.equal(limiter.stats.sent, 2);
  });

  it('gives every caller of one (client, tenant) the same limiter, and other tenants their own', () => {
    const reg = new RateLimiterRegistry({ limit: 25, windowMs: 5000 });
    assert.equal(reg.for('app', '1'), reg.for('app', '1'));
    assert.notEqual(reg.for('app', '1'), reg.for('app', '2'));
    assert.notEqual(reg.for('app', '1'), reg.for('other', '1'));
  });
});
