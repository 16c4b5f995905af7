import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZipReader } from './zip-reader.ts';
import { ZipWriter } from './zip-writer.ts';

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
const hasPython = spawnSync('python3', ['-c', 'import zipfile']).status === 0;

describe('ZipWriter', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nox-zip-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const forceZip64 of [false, true]) {
    it(`writes a ZIP${forceZip64 ? '64' : ''} that unzip, Python and our reader open, with UTF-8 names and exact bytes`, async () => {
      const path = join(dir, `t${forceZip64 ? 64 : 32}.zip`);
      const zip = new ZipWriter(createWriteStream(path), { forceZip64 });
      const big = randomBytes(3 * 1024 * 1024 + 17);
      const files: [string, Buffer][] = [
        ['README.txt', Buffer.from('Hej! Det här är en export.\r\n')],
        ['filer/Kvitto åäö ÅÄÖ é.jpg', big],
        ['data/empty.json', Buffer.alloc(0)],
        ['csv/text.csv', Buffer.from('a;b\r\n'.repeat(100_000))],
      ];
      const results = [];
      for (const [name, bytes] of files) {
        // Feed in uneven chunks, as a stream would.
        results.push(await zip.addFile(name, (function* () {
          for (let i = 0; i < bytes.length; i += 65_537) yield bytes.subarray(i, i + 65_537);
        })()));
      }
      await zip.finish();
      for (const [i, [, bytes]] of files.entries()) assert.equal(results[i]!.sha256, createHash('sha256').update(bytes).digest('hex'));

      if (hasUnzip) execFileSync('unzip', ['-t', '-qq', path]);
      if (hasPython) {
        const out = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))', path], { encoding: 'utf8' });
        assert.deepEqual(out.trim().split('\n'), files.map(([n]) => n));
      }
      const reader = await ZipReader.open(path);
      try {
        assert.deepEqual(reader.entries.map((e) => e.name), files.map(([n]) => n));
        for (const [name, bytes] of files) assert.ok((await reader.read(name)).equals(bytes), name);
      } finally {
        await reader.close();
      }
    });
  }

  it('refuses names that would escape the archive root or repeat', async () => {
    const zip = new ZipWriter(createWriteStream(join(dir, 'bad.zip')));
    for (const name of ['../x', '/etc/passwd', 'a/../../b', 'a\\b', '', 'a//b']) {
      await assert.rejects(zip.addFile(name, Buffer.from('x')), { code: 'ZIP_BAD_NAME' });
    }
    await zip.addFile('ok.txt', 'x');
    await assert.rejects(zip.addFile('ok.txt', 'y'), { code: 'ZIP_DUPLICATE_NAME' });
    await zip.finish();
  });
});
