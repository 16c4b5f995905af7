import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dummyVerify, hashPassword, needsRehash, OWASP_ARGON2, passwordProblem, verifyPassword } from './passwords.ts';

// Cheap parameters keep the tests fast; one test checks the defaults.
const FAST = { memory: 64, passes: 1, parallelism: 1 };

describe('password hashing', () => {
  it('hashes with argon2id at the OWASP minimum by default, as a PHC string', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
    assert.equal(needsRehash(hash), false);
  });

  it('verifies a hash made elsewhere (the argon2 reference implementation) and rejects a wrong password', async () => {
    const reference = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
    assert.equal(await verifyPassword(reference, 'password'), true);
    assert.equal(await verifyPassword(reference, 'Password'), false);
  });

  it('uses a fresh salt each time and reads the parameters back from the string', async () => {
    const a = await hashPassword('the same password', FAST);
    const b = await hashPassword('the same password', FAST);
    assert.notEqual(a, b);
    assert.match(a, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    assert.equal(await verifyPassword(a, 'the same password'), true);
    assert.equal(await verifyPassword(b, 'the same password'), true);
    assert.equal(await verifyPassword(a, 'the same password '), false);
    assert.equal(needsRehash(a), true);
    assert.equal(needsRehash(a, FAST), false);
  });

  it('treats composed and decomposed forms of the same accented password as equal', async () => {
    const hash = await hashPassword('sm\u00f6rg\u00e5sbord-\u00e4r-gott', FAST);
    assert.equal(await verifyPassword(hash, 'smo\u0308rga\u030asbord-a\u0308r-gott'), true);
  });

  it('returns false instead of throwing for malformed, foreign or absurdly expensive hashes', async () => {
    const good = await hashPassword('a fine password', FAST);
    for (const bad of [
      '',
      'plaintext',
      good.replace('argon2id', 'argon2i'),
      good.replace('v=19', 'v=16'),
      good.replace('m=64', 'm=4'),
      good.replace('m=64', 'm=9999999'),
      good.replace('t=1', 't=0'),
      good.slice(0, -30),
      `${good}$extra`,
      '$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
    ]) {
      assert.equal(await verifyPassword(bad, 'a fine password'), false, bad);
      assert.equal(needsRehash(bad), true, bad);
    }
  });

  it('spends about as long on an unknown e-mail as on a real verification, and never succeeds', async () => {
    const hash = await hashPassword('a real password', OWASP_ARGON2);
    await dummyVerify('warm-up'); // the first call also makes the dummy hash
    const time = async (f: () => Promise<unknown>): Promise<number> => {
      const start = performance.now();
      for (let i = 0; i < 5; i++) await f();
      return performance.now() - start;
    };
    const real = await time(() => verifyPassword(hash, 'a wrong password'));
    const dummy = await time(() => dummyVerify('a wrong password'));
    assert.equal(await dummyVerify('a real password'), false);
    assert.ok(dummy > real / 3 && dummy < real * 3, `dummy ${dummy.toFixed(0)} ms vs real ${real.toFixed(0)} ms`);
  });
});

describe('password rules', () => {
  it('accepts a long, uncommon password', () => {
    assert.equal(passwordProblem('kanelbulle-och-kaffe-7'), undefined);
    assert.equal(passwordProblem('x'.repeat(11) + 'y', { email: 'anna@example.se' }), undefined);
  });

  it('counts characters, not bytes, for the length limits', () => {
    assert.equal(passwordProblem('åäöåäöåäöåä'), 'too_short');
    assert.equal(passwordProblem('åäöåäöåäöåäx'), undefined);
    assert.equal(passwordProblem('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑'), 'too_short');
    assert.equal(passwordProblem('a'.repeat(11) + 'b'.repeat(245)), undefined);
    assert.equal(passwordProblem('a'.repeat(11) + 'b'.repeat(246)), 'too_long');
  });

  it('rejects the e-mail address or its local part as the password, whatever the case', () => {
    assert.equal(passwordProblem('Anna@Ex.se', { email: 'anna@ex.se' }), 'too_short');
    assert.equal(passwordProblem('Anna.Andersson@Example.se', { email: 'anna.andersson@example.se' }), 'same_as_email');
    assert.equal(passwordProblem('ANNA.ANDERSSON', { email: 'anna.andersson@example.se' }), 'same_as_email');
    assert.equal(passwordProblem('anna.andersson', {}), undefined);
  });

  it('rejects very common passwords and one character repeated', () => {
    assert.equal(passwordProblem('Password1234'), 'too_common');
    assert.equal(passwordProblem('123456789012'), 'too_common');
    assert.equal(passwordProblem('qwerty123456'), 'too_common');
    assert.equal(passwordProblem('zzzzzzzzzzzzzz'), 'too_common');
    assert.equal(passwordProblem('Noxbackup123'), 'too_common');
  });
});
