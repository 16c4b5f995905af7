import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Random } from './random.ts';
import {
  formatPlusgiro, ibanFor, isValidBankgiro, isValidBic, isValidIban, isValidOcr, isValidOrganisationNumber, isValidPlusgiro, isValidVatNumber,
  luhnCheckDigit, ocrFor, organisationNumberFrom, randomBankgiro, randomCompanyName, randomEan13, randomIban, randomOrganisationNumber,
  randomPhone, randomPlusgiro, vatNumberFor, emailFor, CITIES,
} from './swedish.ts';

/** The same string with one digit changed (a single-digit error, which Luhn and mod 97 always catch). */
function corrupt(value: string, rnd: Random): string {
  const positions = [...value].map((c, i) => (/\d/.test(c) ? i : -1)).filter((i) => i >= 0);
  const i = rnd.pick(positions);
  const digit = Number(value[i]);
  return value.slice(0, i) + String((digit + rnd.int(1, 9)) % 10) + value.slice(i + 1);
}

describe('Swedish numbers', () => {
  const rnd = new Random(1);

  test('OCR numbers are built the way Fortnox builds them from the invoice number', () => {
    assert.equal(ocrFor('18'), '1842');
    assert.equal(ocrFor('1'), '133');
    assert.ok(isValidOcr('1842', { lengthDigit: true }));
    assert.ok(!isValidOcr('1843'));
    assert.ok(!isValidOcr('18420', { lengthDigit: true }));
  });

  test('known public numbers validate', () => {
    assert.ok(isValidIban('SE45 5000 0000 0583 9825 7466'));
    assert.ok(isValidBankgiro('5050-1055'));
    assert.ok(isValidPlusgiro('90 20 03-3'));
    assert.equal(luhnCheckDigit('7992739871'), 3);
  });

  test('generated numbers validate and a one-digit change is always caught', () => {
    for (let i = 0; i < 300; i++) {
      const org = randomOrganisationNumber(rnd, rnd.pick(['AB', 'HB', 'EF'] as const));
      assert.match(org, /^\d{6}-\d{4}$/);
      assert.ok(isValidOrganisationNumber(org), org);
      assert.ok(!isValidOrganisationNumber(corrupt(org, rnd)), `corrupted ${org}`);
      assert.ok(isValidVatNumber(vatNumberFor(org)));
      const bg = randomBankgiro(rnd);
      assert.match(bg, /^\d{3,4}-\d{4}$/);
      assert.ok(isValidBankgiro(bg), bg);
      assert.ok(!isValidBankgiro(corrupt(bg, rnd)), `corrupted ${bg}`);
      const pg = randomPlusgiro(rnd);
      assert.ok(isValidPlusgiro(pg), pg);
      assert.ok(!isValidPlusgiro(corrupt(pg, rnd)), `corrupted ${pg}`);
      const { iban, bic } = randomIban(rnd);
      assert.match(iban, /^SE\d{22}$/);
      assert.ok(isValidIban(iban), iban);
      assert.ok(!isValidIban(corrupt(iban, rnd)), `corrupted ${iban}`);
      assert.ok(isValidBic(bic));
      const ocr = ocrFor(String(rnd.int(1, 9_999_999)));
      assert.ok(isValidOcr(ocr, { lengthDigit: true }));
      assert.ok(!isValidOcr(corrupt(ocr, rnd)));
      const ean = randomEan13(rnd);
      assert.match(ean, /^73\d{11}$/);
    }
  });

  test('organisation numbers reject personal-number-like third digits and bad check digits', () => {
    const nine = '811218987';
    assert.ok(!isValidOrganisationNumber(`811218-987${luhnCheckDigit(nine)}`), 'third digit 1 is a person');
    const org = organisationNumberFrom('556', '677889');
    assert.ok(isValidOrganisationNumber(org));
    for (let d = 0; d < 10; d++) {
      const other = org.slice(0, -1) + String(d);
      assert.equal(isValidOrganisationNumber(other), other === org);
    }
    assert.ok(!isValidVatNumber(`SE${org.replace('-', '')}02`));
  });

  test('formats plusgiro in pairs from the right', () => {
    assert.equal(formatPlusgiro('12'), '1-2');
    assert.equal(formatPlusgiro('1234567'), '12 34 56-7');
    assert.equal(formatPlusgiro('12345678'), '123 45 67-8');
  });

  test('builds IBANs with ISO 13616 check digits', () => {
    assert.equal(ibanFor('500', '00000058398257466'), 'SE4550000000058398257466');
  });
});

describe('Swedish names and places', () => {
  const rnd = new Random(2);

  test('company names, phone numbers and e-mail addresses look Swedish and are ASCII where they must be', () => {
    const names = Array.from({ length: 200 }, () => randomCompanyName(rnd));
    assert.ok(names.some((n) => /[åäöÅÄÖé]/.test(n)), 'Swedish letters in names');
    assert.ok(names.every((n) => / AB$/.test(n)));
    assert.match(randomPhone(rnd, '08'), /^08-\d{3} (\d{2} \d{2}|\d{3} \d{2})$/);
    assert.match(randomPhone(rnd, '0470'), /^0470-\d{2} \d{2} \d{2}$/);
    assert.equal(emailFor('Åsa Öberg', 'Älvens Café AB'), 'asa.oberg@alvenscafe.se');
  });

  test('cities have postcodes written NNN NN', () => {
    for (const city of CITIES) for (const p of city.postcodes) assert.match(p, /^\d{3} \d{2}$/, city.name);
  });
});
