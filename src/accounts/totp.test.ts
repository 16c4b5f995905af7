import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, generateTotpSecret, otpauthUri, totpCode, totpStep, verifyTotp } from './totp.ts';

// RFC 6238 appendix B: the SHA-1 rows, for the ASCII secret "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
const RFC_VECTORS: [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it('encodes and decodes base32 as RFC 4648 section 10 does', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) {
      assert.equal(base32Encode(Buffer.from(plain)), encoded);
      assert.equal(base32Decode(encoded).toString(), plain);
    }
    assert.equal(base32Decode('mzxw 6ytb oi======').toString(), 'foobar');
    assert.throws(() => base32Decode('MZXW1'), RangeError);
    assert.equal(RFC_SECRET, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('computes the RFC 6238 test vectors', () => {
    for (const [seconds, code] of RFC_VECTORS) {
      assert.equal(totpCode(RFC_SECRET, new Date(seconds * 1000), { digits: 8 }), code, `T=${seconds}`);
      assert.equal(totpCode(RFC_SECRET, new Date(seconds * 1000)), code.slice(2), `T=${seconds}, 6 digits`);
    }
  });

  it('generates 20-byte secrets that differ each time', () => {
    const a = generateTotpSecret();
    assert.match(a, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(a).length, 20);
    assert.notEqual(a, generateTotpSecret());
  });

  it('accepts the current code and its neighbours, returning the step the code belongs to', () => {
    const now = new Date(1111111111 * 1000);
    const step = totpStep(now);
    assert.equal(verifyTotp(RFC_SECRET, '14050471', { now, digits: 8 }), step);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, new Date(now.getTime() - 30_000)), { now }), step - 1);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, new Date(now.getTime() + 30_000)), { now }), step + 1);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, new Date(now.getTime() - 60_000)), { now }), undefined);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, new Date(now.getTime() - 60_000)), { now, window: 2 }), step - 2);
    assert.equal(verifyTotp(RFC_SECRET, ` ${totpCode(RFC_SECRET, now).slice(0, 3)} ${totpCode(RFC_SECRET, now).slice(3)} `, { now }), step);
  });

  it('never accepts the same code twice, nor one older than the last accepted', () => {
    const now = new Date(1234567890 * 1000);
    const code = totpCode(RFC_SECRET, now);
    const step = verifyTotp(RFC_SECRET, code, { now, lastStep: null });
    assert.equal(step, totpStep(now));
    assert.equal(verifyTotp(RFC_SECRET, code, { now, lastStep: step }), undefined);
    const earlier = totpCode(RFC_SECRET, new Date(now.getTime() - 30_000));
    assert.equal(verifyTotp(RFC_SECRET, earlier, { now, lastStep: step }), undefined);
    const next = new Date(now.getTime() + 30_000);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, next), { now: next, lastStep: step }), step + 1);
  });

  it('rejects wrong, short, long and non-numeric codes', () => {
    const now = new Date(2000000000 * 1000);
    const code = totpCode(RFC_SECRET, now);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (const bad of [wrong, code.slice(1), `${code}0`, 'abcdef', '', '69279037']) {
      assert.equal(verifyTotp(RFC_SECRET, bad, { now }), undefined, bad);
    }
  });

  it('builds the otpauth URI authenticator apps scan', () => {
    assert.equal(
      otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'anna andersson@example.se' }),
      'otpauth://totp/Noxbackup:anna%20andersson%40example.se?secret=JBSWY3DPEHPK3PXP&issuer=Noxbackup&algorithm=SHA1&digits=6&period=30',
    );
  });
});
