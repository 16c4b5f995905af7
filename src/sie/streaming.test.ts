import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { crc32 } from 'node:zlib';
import { SieChecker } from './checks.ts';
import { encodeCp437 } from './cp437.ts';
import { readSie } from './reader.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TARGET_BYTES = 50 * 1024 * 1024;

/**
 * A ~50 MB SIE 4 file made on the fly in 64 KB CP437 chunks, never held whole. Its #KSUMMA is
 * computed here from the spec's rule directly (labels and contents, no blanks, quotes or braces).
 */
async function* bigFile(stats: { bytes: number; vouchers: number }): AsyncGenerator<Buffer> {
  let crc = 0;
  let pending: Buffer[] = [];
  let size = 0;
  const line = (text: string, content?: string) => {
    const b = encodeCp437(`${text}\r\n`).bytes;
    pending.push(b);
    size += b.length;
    stats.bytes += b.length;
    if (content !== undefined) crc = crc32(encodeCp437(content).bytes, crc);
  };
  line('#FLAGGA 0');
  line('#KSUMMA');
  line('#PROGRAM "Generator" 1.0', '#PROGRAMGenerator1.0');
  line('#FORMAT PC8', '#FORMATPC8');
  line('#GEN 20240101', '#GEN20240101');
  line('#SIETYP 4', '#SIETYP4');
  line('#FNAMN "Stora Bolaget AB"', '#FNAMNStora Bolaget AB');
  for (let n = 1; stats.bytes < TARGET_BYTES; n++) {
    const amount = `${(n % 9000) + 100}.${String(n % 100).padStart(2, '0')}`;
    line(
      [`#VER A ${n} 20240315 "Försäljning ${n}"`, '{', `\t#TRANS 1930 {} ${amount}`, `\t#TRANS 3010 {"1" "0123"} -${amount} "" "Kund ${n} – \\"årsavtal\\""`, '}'].join('\r\n'),
      `#VERA${n}20240315Försäljning ${n}#TRANS1930${amount}#TRANS301010123-${amount}Kund ${n} - "årsavtal"`,
    );
    stats.vouchers++;
    if (size >= 64 * 1024) {
      yield Buffer.concat(pending);
      pending = [];
      size = 0;
    }
  }
  line(`#KSUMMA ${crc >>> 0}`);
  yield Buffer.concat(pending);
}

test('reads a 50 MB file voucher by voucher in bounded memory, checksum included', async () => {
  const stats = { bytes: 0, vouchers: 0 };
  const checker = new SieChecker();
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = 0;
  let seen = 0;
  const result = await readSie(bigFile(stats), {
    onVoucher(v) {
      checker.addVoucher(v);
      if (++seen % 25_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    },
  });
  assert.ok(stats.bytes >= TARGET_BYTES);
  assert.equal(seen, stats.vouchers);
  assert.equal(result.counts.vouchers, stats.vouchers);
  assert.equal(result.counts.trans, 2 * stats.vouchers);
  assert.equal(result.document.vouchers.length, 0, 'vouchers are not kept');
  assert.equal(result.checksum.status, 'valid');
  assert.deepEqual(checker.finish(result.document).unbalancedVouchers, []);
  // Live heap growth stays far below the file's size (what holding it would cost).
  assert.ok(peak < 16 * 1024 * 1024, `heap grew by ${Math.round(peak / 1024 / 1024)} MB while reading ${Math.round(stats.bytes / 1024 / 1024)} MB`);
});
