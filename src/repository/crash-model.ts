import type { JsonValue } from './canonical-json.ts';

/** The records the crash tests write in run `n`: mostly stable, a few changing each run. */
export function expectedRecords(n: number): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (let i = 0; i < 60; i++) out.set(`C${i}`, { CustomerNumber: String(i), Name: `Kund ${i}`, Seen: i % 10 === n % 10 ? n : 0, Zip: '0' });
  return out;
}
