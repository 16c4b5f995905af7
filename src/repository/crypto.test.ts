import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { zstdCompressSync } from 'node:zlib';
import { compress, decompress, CODEC_ZSTD, CODEC_ZSTD_FORTNOX_1 } from './crypto.ts';
import { FORTNOX_DICTIONARY_1 } from './dictionary-fortnox-1.ts';
import { canonicalJsonBytes } from './canonical-json.ts';

test('the fortnox-1 dictionary never changes: blobs written with it need exactly these bytes', () => {
  assert.equal(createHash('sha256').update(FORTNOX_DICTIONARY_1).digest('hex'), 'a557b244d6d2a515ca11b42f5a478c90d4425122f19cf76a252f1bbda05dfa8c');
});

test('every payload names its codec, and both codecs round-trip', () => {
  const record = canonicalJsonBytes({ CustomerNumber: '17', Name: 'Åkessons Snickeri AB', City: 'Växjö', Email: 'info@akesson.se', Active: true, Comments: null });
  for (const codec of [CODEC_ZSTD, CODEC_ZSTD_FORTNOX_1]) {
    const packed = compress(record, codec);
    assert.equal(packed[0], codec);
    assert.deepEqual(decompress(packed), record);
  }
});

test('the dictionary makes a typical record much smaller than plain zstd', () => {
  const record = canonicalJsonBytes({
    Active: true, Address1: 'Storgatan 12', Address2: '', City: 'Växjö', Comments: null, CostCenter: '', Country: 'Sverige', CountryCode: 'SE', Currency: 'SEK',
    CustomerNumber: '17', Email: 'info@akesson.se', Name: 'Åkessons Snickeri AB', OrganisationNumber: '556677-8899', Phone1: '0470-12345', PriceList: 'A',
    TermsOfPayment: '30', Type: 'COMPANY', VATNumber: 'SE556677889901', VATType: 'SEVAT', ZipCode: '352 30',
  });
  const plain = zstdCompressSync(record).length;
  const withDictionary = compress(record, CODEC_ZSTD_FORTNOX_1).length - 1;
  assert.ok(withDictionary < plain * 0.7, `dictionary ${withDictionary} bytes vs plain ${plain}`);
});

test('an unknown codec is refused with a clear reason, not misread', () => {
  assert.throws(() => decompress(Buffer.from([9, 1, 2, 3])), /unknown compression codec 9/);
});
