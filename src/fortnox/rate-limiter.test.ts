import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxInAnyWindow } from './local-server.test-support.ts';
import { RateLimiter, RateLimiterRegistry } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('never starts more than the limit in any window, and serves waiters in arrival order', async () => {
    const limiter = new RateLimiter({ limit: 5, windowMs: 100 });
    const started: { i: number; at: number }[] = [];
    await Promise.all(Array.from({ length: 23 }, (_, i) => limiter.acquire().then((answered) => {
      started.push({ i, at: performance.now() });
      answered();
    })));
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

  it('frees a slot one window after its answer, and gives it to the next request at that instant', async () => {
    // A fake clock: we decide when time moves, so "the instant a slot frees" is exact.
    let now = 0;
    const limiter = new RateLimiter({ limit: 2, windowMs: 1000, now: () => now });
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    now = 30;
    second();
    now = 200;
    first(); // a slow answer: its window starts only now
    const order: string[] = [];
    const third = limiter.acquire().then((done) => {
      order.push(`third@${now}`);
      done();
    });
    const fourth = limiter.acquire().then(() => order.push(`fourth@${now}`));
    now = 1030; // the second slot frees exactly now; the first at 1200
    await third;
    now = 1200;
    await fourth;
    assert.deepEqual(order, ['third@1030', 'fourth@1200']);
  });

  it('keeps a slot taken while its request is in flight, however long that takes', async () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 1, windowMs: 10, now: () => now });
    const inFlight = await limiter.acquire();
    let started = false;
    const next = limiter.acquire().then(() => {
      started = true;
    });
    now = 10_000;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(started, false);
    inFlight();
    now = 10_010;
    await next;
    assert.equal(started, true);
  });

  it('drops an aborted waiter from the queue without using a slot', async () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 50 });
    (await limiter.acquire())();
    const ac = new AbortController();
    const waiting = limiter.acquire(ac.signal);
    ac.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    (await limiter.acquire())();
    assert.equal(limiter.stats.sent, 2);
  });

  it('gives every caller of one (client, tenant) the same limiter, and other tenants their own', () => {
    const reg = new RateLimiterRegistry({ limit: 25, windowMs: 5000 });
    assert.equal(reg.for('app', '1'), reg.for('app', '1'));
    assert.notEqual(reg.for('app', '1'), reg.for('app', '2'));
    assert.notEqual(reg.for('app', '1'), reg.for('other', '1'));
  });
});
