import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testDatabases } from '../db/test-databases.test-support.ts';
import { audit, auditCursor, listAudit } from './audit.ts';
import { createOrganisation } from './organisations.ts';

for (const target of testDatabases()) {
  test(`the audit log pages through entries of the same millisecond without skipping any, and filters one company (${target.name})`, async () => {
    const database = await target.open();
    const db = database.db;
    try {
      const org = await createOrganisation(db, { kind: 'firm', name: 'Byrå' });
      const other = await createOrganisation(db, { kind: 'firm', name: 'Annan byrå' });
      const at = new Date('2026-11-20T10:00:00.000Z');
      for (let i = 0; i < 7; i++) await audit(db, { orgId: org.id, tenantId: i % 2 === 0 ? 'tenant-a' : null, action: `record.view`, target: `customers:${i}`, at });
      await audit(db, { orgId: other.id, tenantId: 'tenant-a', action: 'record.view', at });
      const seen: string[] = [];
      let before: string | undefined;
      for (let page = 0; page < 10; page++) {
        const rows = await listAudit(db, org.id, { limit: 3, ...(before === undefined ? {} : { before }) });
        seen.push(...rows.map((r) => r.target ?? ''));
        if (rows.length < 3) break;
        before = auditCursor(rows.at(-1)!);
      }
      assert.deepEqual([...seen].sort(), ['customers:0', 'customers:1', 'customers:2', 'customers:3', 'customers:4', 'customers:5', 'customers:6']);
      const company = await listAudit(db, org.id, { companyId: 'tenant-a' });
      assert.deepEqual(company.map((r) => r.target).sort(), ['customers:0', 'customers:2', 'customers:4', 'customers:6']);
      const restricted = await listAudit(db, org.id, { tenantIds: [] });
      assert.equal(restricted.length, 3, 'a user who sees no company sees only the organisation\'s own entries');
    } finally {
      await database.cleanup();
    }
  });
}
