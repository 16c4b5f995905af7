import type { FastifyRequest } from 'fastify';
import { openSecret } from '../accounts/secret-box.ts';
import { TOTP_SECRET_PURPOSE, totpCode, totpStep } from '../accounts/totp.ts';
import { userRow } from '../accounts/users.ts';
import type { WebContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { messages } from '../i18n.ts';
import { notice } from './layout.ts';

const m = messages(
  { hint: 'Demoläge: koden som gäller nu är {code}. Med riktig Fortnox visar bara din autentiseringsapp koden.' },
  { hint: 'Demo mode: the code that works now is {code}. With real Fortnox only your authenticator app shows it.' },
);


/**
 * In demo mode (`npm start`: Fortnox simulated, nothing real at stake) the two-factor pages say which
 * code works now, so the product can be tried without an authenticator app. Never outside demo mode.
 * The code shown is one the server will accept: a step after the last one used.
 */
export async function demoTotpHint(ctx: WebContext, request: FastifyRequest, userId: string): Promise<SafeHtml> {
  if (!ctx.demo) return html``;
  const row = await userRow(ctx.app.db, userId);
  if (row?.totp_ciphertext === null || row?.totp_ciphertext === undefined || row.totp_key_id === null) return html``;
  const secret = openSecret(ctx.app.keyring, TOTP_SECRET_PURPOSE, userId, row.totp_ciphertext, row.totp_key_id);
  const now = ctx.now();
  const step = Math.max(totpStep(now), (row.totp_last_step ?? -1) + 1);
  return notice('info', m(request.locale)('hint', { code: totpCode(secret, new Date(step * 30_000)) }));
}
