import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseMessage } from './outbox-mailer.ts';
import { SmtpMailer } from './smtp-mailer.ts';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly data: string;
}

/** Just enough of an SMTP server (RFC 5321) to accept messages: no TLS, no authentication. */
function startSmtpServer(options: { rejectRecipient?: string } = {}): Promise<{ server: Server; port: number; received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    let data = '';
    socket.setEncoding('utf8');
    socket.write('220 test.local ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push({ from, to, data });
            socket.write('250 2.0.0 queued\r\n');
          } else data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-test.local\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO') socket.write('250 test.local\r\n');
        else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          to = [];
          socket.write('250 2.1.0 ok\r\n');
        } else if (verb === 'RCPT') {
          const rcpt = /<([^>]*)>/.exec(line)?.[1] ?? '';
          if (rcpt === options.rejectRecipient) socket.write('550 5.1.1 no such user\r\n');
          else {
            to.push(rcpt);
            socket.write('250 2.1.5 ok\r\n');
          }
        } else if (verb === 'DATA') {
          inData = true;
          data = '';
          socket.write('354 go ahead\r\n');
        } else if (verb === 'RSET' || verb === 'NOOP') socket.write('250 ok\r\n');
        else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('502 5.5.2 not implemented\r\n');
      }
    });
  });
  const stop = (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, received, stop })));
}

describe('SMTP mailer', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let mailer: SmtpMailer;
  before(async () => {
    smtp = await startSmtpServer({ rejectRecipient: 'nobody@example.se' });
    mailer = new SmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Noxbackup <noreply@noxbackup.se>' });
  });
  after(async () => {
    mailer.close();
    await smtp.stop();
  });

  it('delivers the message to the server named by the URL, from the configured address', async () => {
    await mailer.send({ to: 'anna@example.se', subject: 'Inbjudan till Noxbackup', text: 'Välkommen!\nKlicka på länken.\n', html: '<p>Välkommen!</p>' });
    assert.equal(smtp.received.length, 1);
    const got = smtp.received[0]!;
    assert.equal(got.from, 'noreply@noxbackup.se');
    assert.deepEqual(got.to, ['anna@example.se']);
    const parsed = parseMessage(got.data);
    assert.equal(parsed.from, 'Noxbackup <noreply@noxbackup.se>');
    assert.equal(parsed.to, 'anna@example.se');
    assert.equal(parsed.subject, 'Inbjudan till Noxbackup');
    assert.equal(parsed.text, 'Välkommen!\nKlicka på länken.');
  });

  it('rejects when the server refuses the recipient', async () => {
    await assert.rejects(mailer.send({ to: 'nobody@example.se', subject: 'x', text: 'y' }), /550|no such user/);
    assert.equal(smtp.received.length, 1);
  });

  it('rejects when no server listens at the URL', async () => {
    const closed = await startSmtpServer();
    const port = closed.port;
    await closed.stop();
    const nowhere = new SmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'noreply@noxbackup.se' });
    await assert.rejects(nowhere.send({ to: 'anna@example.se', subject: 'x', text: 'y' }), /ECONNREFUSED/);
    nowhere.close();
  });
});
