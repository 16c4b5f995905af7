import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMailer, readMailConfig } from './mail-config.ts';
import { OutboxMailer, readOutbox } from './outbox-mailer.ts';
import { SmtpMailer } from './smtp-mailer.ts';

const read = (env: Record<string, string>): { config: ReturnType<typeof readMailConfig>; problems: string[] } => {
  const problems: string[] = [];
  return { config: readMailConfig(env, '/var/lib/noxbackup', problems), problems };
};

describe('mail configuration', () => {
  it('writes to <dataDir>/outbox from noreply@noxbackup.se when nothing is set', () => {
    const { config, problems } = read({});
    assert.deepEqual(problems, []);
    assert.deepEqual(config, { kind: 'outbox', dir: join('/var/lib/noxbackup', 'outbox'), from: 'Noxbackup <noreply@noxbackup.se>' });
    assert.ok(Object.isFrozen(config));
  });

  it('sends through SMTP when NOX_SMTP_URL is set, from NOX_MAIL_FROM', () => {
    for (const url of ['smtps://user:p%40ss@smtp.example.se:465', 'smtp://smtp.example.se:587']) {
      const { config, problems } = read({ NOX_SMTP_URL: url, NOX_MAIL_FROM: 'Backup <backup@example.se>' });
      assert.deepEqual(problems, []);
      assert.deepEqual(config, { kind: 'smtp', url, from: 'Backup <backup@example.se>' });
    }
    assert.deepEqual(read({ NOX_SMTP_URL: '', NOX_MAIL_FROM: 'backup@example.se' }).config.kind, 'outbox');
  });

  it('reports every problem naming the variable, without repeating a password from the URL', () => {
    const { problems } = read({ NOX_SMTP_URL: 'https://user:hunter2secret@smtp.example.se', NOX_MAIL_FROM: 'Backup <not-an-address>' });
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^NOX_MAIL_FROM: /);
    assert.match(problems[1]!, /^NOX_SMTP_URL: expected the scheme smtp:\/\/ or smtps:\/\/, got https:\/\//);
    assert.ok(!problems.join('\n').includes('hunter2secret'));
    assert.match(read({ NOX_SMTP_URL: 'smtp.example.se:hunter2secret' }).problems[0] ?? '', /^NOX_SMTP_URL: expected the scheme/);
    assert.match(read({ NOX_SMTP_URL: 'not a url hunter2secret' }).problems[0] ?? '', /^NOX_SMTP_URL: expected a URL/);
    assert.ok(!read({ NOX_SMTP_URL: 'not a url hunter2secret' }).problems[0]!.includes('hunter2secret'));
    assert.match(read({ NOX_MAIL_FROM: 'Evil <a@example.se>\r\nBcc: x@example.se' }).problems[0] ?? '', /^NOX_MAIL_FROM: /);
  });

  it('creates the mailer the configuration names', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nox-mail-config-test-'));
    try {
      const problems: string[] = [];
      const lines: string[] = [];
      const outbox = createMailer(readMailConfig({}, dataDir, problems), (line) => lines.push(line));
      assert.ok(outbox instanceof OutboxMailer);
      await outbox.send({ to: 'anna@example.se', subject: 'Hej', text: 'Hej Anna' });
      assert.deepEqual((await readOutbox(join(dataDir, 'outbox'))).map((m) => m.text), ['Hej Anna']);
      assert.equal(lines.length, 1);
      const smtp = createMailer(readMailConfig({ NOX_SMTP_URL: 'smtp://127.0.0.1:2525' }, dataDir, problems), () => {});
      assert.ok(smtp instanceof SmtpMailer);
      smtp.close();
      assert.deepEqual(problems, []);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
