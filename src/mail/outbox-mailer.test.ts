import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeHeader, OutboxMailer, parseMessage, readOutbox } from './outbox-mailer.ts';

describe('outbox mailer', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nox-outbox-test-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('writes each message as an .eml file, logs one line, and reads them back oldest first', async () => {
    const dir = join(root, 'outbox');
    const lines: string[] = [];
    const mailer = new OutboxMailer({ dir, from: 'Noxbackup <noreply@noxbackup.se>', log: (line) => lines.push(line) });
    const link = `https://noxbackup.example/reset/${'A_b-9'.repeat(20)}`;
    await mailer.send({ to: 'anna@example.se', subject: 'Återställ ditt lösenord för Noxbackup – länken gäller i en timme', text: `Hej Anna!\n\nÖppna ${link} för att välja ett nytt lösenord.\n` });
    for (let i = 1; i <= 3; i++) await mailer.send({ to: `user${i}@example.se`, subject: `Message ${i}`, text: `Body ${i}`, html: `<p>Body ${i}</p>` });

    const messages = await readOutbox(dir);
    assert.deepEqual(messages.map((m) => m.to), ['anna@example.se', 'user1@example.se', 'user2@example.se', 'user3@example.se']);
    const first = messages[0]!;
    assert.equal(first.subject, 'Återställ ditt lösenord för Noxbackup – länken gäller i en timme');
    assert.equal(first.text, `Hej Anna!\n\nÖppna ${link} för att välja ett nytt lösenord.`);
    assert.equal(first.from, 'Noxbackup <noreply@noxbackup.se>');
    assert.match(first.file, /[/\\]\d{8}T\d{9}Z-[0-9a-f]{8}\.eml$/);
    assert.equal(messages[3]!.text, 'Body 3');
    assert.equal(lines.length, 4);
    assert.equal(lines[0], `mail to anna@example.se: Återställ ditt lösenord för Noxbackup – länken gäller i en timme (${first.file})`);
    assert.deepEqual((await readdir(dir)).filter((n) => !n.endsWith('.eml')), []);

    // A real RFC 5322 message: CRLF line ends, the usual headers, a multipart body when there is HTML.
    const raw = await readFile(messages[3]!.file, 'utf8');
    assert.ok(!/[^\r]\n/.test(raw), 'every line ends in CRLF');
    for (const header of ['From:', 'To:', 'Subject:', 'Date:', 'Message-ID:', 'MIME-Version: 1.0']) assert.ok(raw.includes(`\r\n${header}`) || raw.startsWith(header), header);
    assert.match(raw, /Content-Type: multipart\/alternative/);
    assert.match(raw, /<p>Body 3<\/p>/);
  });

  it('reads an outbox that does not exist yet as empty', async () => {
    assert.deepEqual(await readOutbox(join(root, 'never-written')), []);
  });

  it('decodes base64 bodies and encoded words split in the middle of a character', () => {
    assert.equal(decodeHeader('=?UTF-8?B?w4U=?= =?UTF-8?Q?terst=C3?= =?UTF-8?Q?=A4ll?= nu'), 'Återställ nu');
    assert.equal(decodeHeader('=?ISO-8859-1?Q?Hall=E5?= d\u00e4r'), 'Hallå där');
    const message = [
      'From: a@example.se',
      'To: b@example.se',
      'Subject: plain',
      'Content-Type: text/plain; charset="utf-8"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Räksmörgås\nrad två').toString('base64'),
      '',
    ].join('\r\n');
    assert.deepEqual(parseMessage(message), { from: 'a@example.se', to: 'b@example.se', subject: 'plain', text: 'Räksmörgås\nrad två' });
  });
});
