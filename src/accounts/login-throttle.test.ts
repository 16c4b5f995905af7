import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { clearFailedLogins, loginBlocked, pruneLoginAttempts, recordFailedLogin } from './login-throttle.ts';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

for (const target of testDatabases()) {
  describe(`login throttle (${target.name})`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.open();
    });
    after(() => t.cleanup());

    it('allows four failures for an address and blocks the fifth until the first leaves the 15-minute window', async () => {
      const email = 'anna@example.se';
      for (let i = 0; i < 4; i++) await recordFailedLogin(t.db, { email, ip: '192.0.2.1', at: at(i * 60) });
      assert.deepEqual(await loginBlocked(t.db, { email, ip: '192.0.2.1', now: at(240) }), { blocked: false, retryAfterSeconds: 0 });
      await recordFailedLogin(t.db, { email, ip: '192.0.2.1', at: at(240) });
      // The first failure (at 0 s) expires at 900 s.
      assert.deepEqual(await loginBlocked(t.db, { email, ip: '198.51.100.7', now: at(300) }), { blocked: true, retryAfterSeconds: 600 });
      assert.deepEqual(await loginBlocked(t.db, { email: ' Anna@Example.SE ', now: at(899.5) }), { blocked: true, retryAfterSeconds: 1 });
      assert.deepEqual(await loginBlocked(t.db, { email, now: at(900) }), { blocked: false, retryAfterSeconds: 0 });
      assert.equal((await loginBlocked(t.db, { email: 'bertil@example.se', ip: '192.0.2.1', now: at(300) })).blocked, false);
    });

    it('blocks a client address after 20 failures spread over many accounts', async () => {
      const ip = '203.0.113.9';
      for (let i = 0; i < 20; i++) await recordFailedLogin(t.db, { email: `user${i}@example.se`, ip, at: at(i) });
      const blocked = await loginBlocked(t.db, { email: 'new@example.se', ip, now: at(60) });
      assert.deepEqual(blocked, { blocked: true, retryAfterSeconds: 840 });
      assert.equal((await loginBlocked(t.db, { email: 'new@example.se', ip: '203.0.113.10', now: at(60) })).blocked, false);
      assert.equal((await loginBlocked(t.db, { email: 'new@example.se', now: at(60) })).blocked, false);
    });

    it('reports the longer wait when both the address and the client are blocked', async () => {
      const email = 'cecilia@example.se';
      const ip = '192.0.2.50';
      for (let i = 0; i < 20; i++) await recordFailedLogin(t.db, { email: `x${i}@example.se`, ip, at: at(i) });
      for (let i = 0; i < 5; i++) await recordFailedLogin(t.db, { email, at: at(100 + i) });
      assert.deepEqual(await loginBlocked(t.db, { email, ip, now: at(200) }), { blocked: true, retryAfterSeconds: 800 });
    });

    it('honours other limits when given', async () => {
      const email = 'david@example.se';
      await recordFailedLogin(t.db, { email, at: at(0) });
      await recordFailedLogin(t.db, { email, at: at(10) });
      const limits = { perEmail: 2, perIp: 100, windowSeconds: 60 };
      assert.deepEqual(await loginBlocked(t.db, { email, now: at(30) }, limits), { blocked: true, retryAfterSeconds: 30 });
      assert.equal((await loginBlocked(t.db, { email, now: at(30) })).blocked, false);
    });

    it('clears an address after a successful login but keeps counting its client address', async () => {
      const email = 'erik@example.se';
      const ip = '192.0.2.77';
      for (let i = 0; i < 5; i++) await recordFailedLogin(t.db, { email, ip, at: at(i) });
      for (let i = 0; i < 15; i++) await recordFailedLogin(t.db, { email: `y${i}@example.se`, ip, at: at(i) });
      assert.equal((await loginBlocked(t.db, { email, now: at(30) })).blocked, true);
      await clearFailedLogins(t.db, 'ERIK@example.se');
      assert.equal((await loginBlocked(t.db, { email, now: at(30) })).blocked, false);
      assert.equal((await loginBlocked(t.db, { email, ip, now: at(30) })).blocked, true);
    });

    it('prunes attempts older than a given time and keeps the newer ones', async () => {
      const email = 'frida@example.se';
      await recordFailedLogin(t.db, { email, ip: '192.0.2.99', at: at(-7200) });
      await recordFailedLogin(t.db, { email, at: at(-10) });
      const before = await t.db.selectFrom('login_attempts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      const deleted = await pruneLoginAttempts(t.db, at(-3600));
      assert.equal(deleted, 2);
      const left = await t.db.selectFrom('login_attempts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(before.n) - Number(left.n), 2);
      assert.deepEqual(
        await t.db.selectFrom('login_attempts').select('attempted_at').where('key', '=', `email:${email}`).execute(),
        [{ attempted_at: at(-10).toISOString() }],
      );
    });
  });
}
