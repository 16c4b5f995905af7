import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorForStatus, isJsonObject, isPageNotFound, parseDetailEnvelope, parseErrorBody, parseListEnvelope, type JsonObject } from './body.ts';
import { FortnoxBadRequestError, FortnoxNotFoundError, FortnoxRateLimitedError, FortnoxServerError, FortnoxUnauthorizedError } from './errors.ts';
import { loadCassettes, type Cassette } from './local-server.test-support.ts';
import { emptyToNull, toBool, toNumber, toText } from './values.ts';

const cassettes = loadCassettes();
const byName = (name: string): Cassette => {
  const c = cassettes.find((x) => x.name === name);
  assert.ok(c, `cassette ${name} exists`);
  return c;
};

describe('every recorded Fortnox body', () => {
  it('finds the recordings', () => {
    assert.ok(cassettes.length >= 60, `found ${cassettes.length} interactions`);
  });

  for (const c of cassettes) {
    const isToken = c.uri.includes('/oauth-v1/');
    it(`parses ${c.name} (${c.method} ${c.status})`, () => {
      if (c.status >= 400) {
        const info = parseErrorBody(c.body);
        if (isToken) {
          assert.match(info.oauthError ?? '', /^invalid_/);
          return;
        }
        const err = errorForStatus(c.status, info, { method: c.method, path: new URL(c.uri).pathname });
        const expected = { 400: FortnoxBadRequestError, 401: FortnoxUnauthorizedError, 404: FortnoxNotFoundError }[c.status];
        assert.ok(expected, `status ${c.status} is one we expect in the recordings`);
        assert.ok(err instanceof expected, `${c.name} → ${err.name}`);
        assert.equal(typeof err.fortnoxMessage, 'string');
        if (c.status !== 401) assert.equal(typeof err.fortnoxCode, 'number');
        return;
      }
      const body = JSON.parse(c.body) as unknown;
      assert.ok(isJsonObject(body));
      if (isToken) {
        assert.equal(typeof body.access_token, 'string');
        return;
      }
      const keys = Object.keys(body);
      if (keys.includes('MetaInformation')) {
        const listKey = keys.find((k) => k !== 'MetaInformation') as string;
        const env = parseListEnvelope(body, listKey);
        assert.ok(env.meta.totalPages <= 1);
        assert.equal(env.items.length, env.meta.totalResources);
        for (const item of env.items) assert.match(item['@url'] as string, /^https:\/\/api\.fortnox\.se\/3\//);
      } else {
        assert.equal(keys.length, 1);
        const inner = parseDetailEnvelope(body, keys[0] as string);
        assert.match(inner['@url'] as string, /^https:\/\/api\.fortnox\.se\/3\//);
      }
    });
  }
});

describe('values Fortnox sends in odd shapes', () => {
  const invoice = (): JsonObject => parseDetailEnvelope(JSON.parse(byName('invoices/find_new.yml').body) as JsonObject, 'Invoice');

  it('reads escaped slashes in @url as plain slashes', () => {
    assert.ok(byName('invoices/find_new.yml').body.includes('https:\\/\\/api.fortnox.se\\/3\\/invoices\\/18'));
    assert.equal(invoice()['@url'], 'https://api.fortnox.se/3/invoices/18');
  });

  it('turns "Credit":"false" into false and "CreditInvoiceReference":"0" into 0', () => {
    const inv = invoice();
    assert.equal(inv.Credit, 'false');
    assert.equal(toBool(inv.Credit), false);
    assert.equal(toNumber(inv.CreditInvoiceReference), 0);
    assert.equal(toNumber(inv.DocumentNumber), 18);
  });

  it('treats "" and null alike as not set', () => {
    const inv = invoice();
    assert.equal(inv.InvoicePeriodStart, '');
    assert.equal(emptyToNull(inv.InvoicePeriodStart), null);
    assert.equal(emptyToNull(inv.DeliveryDate), null);
    assert.equal(toText(inv.InvoicePeriodStart), null);
    assert.equal(toNumber(''), null);
    assert.equal(toBool(null), null);
  });

  it('decodes \\u00e4 in a Swedish error message', () => {
    const c = byName('invoices/filter_invalid.yml');
    assert.ok(c.body.includes('anv\\u00e4nts'));
    const err = errorForStatus(c.status, parseErrorBody(c.body));
    assert.ok(err instanceof FortnoxBadRequestError);
    assert.equal(err.code, 'FORTNOX_BAD_REQUEST');
    assert.equal(err.fortnoxMessage, 'Ett ogiltigt filter har använts.');
    assert.equal(err.fortnoxCode, 2000587);
  });

  it('reads the capitalised ErrorInformation of a 404', () => {
    const c = byName('customers/find_failure.yml');
    const err = errorForStatus(c.status, parseErrorBody(c.body));
    assert.ok(err instanceof FortnoxNotFoundError);
    assert.equal(err.code, 'FORTNOX_NOT_FOUND');
    assert.equal(err.fortnoxCode, 2000433);
    assert.equal(err.fortnoxMessage, 'Kan inte hitta kunden.');
  });

  it('reads the gateway 401 body {"message":"unauthorized"}', () => {
    const err = errorForStatus(401, parseErrorBody(byName('authentication/expired_token.yml').body));
    assert.equal(err.code, 'FORTNOX_UNAUTHORIZED');
    assert.equal(err.fortnoxMessage, 'unauthorized');
  });

  it('reads invalid_grant although the token endpoint labels it text/html', () => {
    const c = byName('authentication/invalid_refresh_token.yml');
    assert.match(c.contentType ?? '', /text\/html/);
    assert.deepEqual(parseErrorBody(c.body), { oauthError: 'invalid_grant', oauthDescription: 'Invalid refresh token', fortnoxMessage: 'Invalid refresh token' });
  });

  it('reads an empty list with @TotalPages 0', () => {
    const env = parseListEnvelope(JSON.parse(byName('customers/search_miss.yml').body) as JsonObject, 'Customers');
    assert.deepEqual(env, { meta: { totalResources: 0, totalPages: 0, currentPage: 1 }, items: [] });
  });

  it('parses numbers from strings, including the Swedish decimal comma', () => {
    assert.equal(toNumber('12.50'), 12.5);
    assert.equal(toNumber('12,50'), 12.5);
    assert.equal(toNumber(' 7 '), 7);
    assert.equal(toNumber('abc'), null);
    assert.equal(toBool('TRUE'), true);
    assert.equal(toBool('1'), true);
    assert.equal(toBool('maybe'), null);
  });

  it('maps 429 and 5xx to their own codes and recognises the page-past-end 400', () => {
    assert.ok(errorForStatus(429, {}) instanceof FortnoxRateLimitedError);
    assert.equal(errorForStatus(429, {}).code, 'FORTNOX_RATE_LIMITED');
    assert.ok(errorForStatus(503, {}) instanceof FortnoxServerError);
    assert.equal(errorForStatus(500, {}).code, 'FORTNOX_SERVER_ERROR');
    const pageGone = errorForStatus(400, parseErrorBody('{"ErrorInformation":{"error":1,"message":"Angiven sida hittades ej (24).","code":2000588}}'));
    assert.ok(isPageNotFound(pageGone));
    assert.ok(!isPageNotFound(errorForStatus(400, parseErrorBody(byName('invoices/filter_invalid.yml').body))));
  });
});
