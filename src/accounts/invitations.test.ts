import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTenant } from '../db/tenants.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { acceptInvitation, createInvitation, getInvitation, INVITATION_TTL_MS, invitationByToken, invitationState, listPendingInvitations, revokeInvitation } from './invitations.ts';
import { addMember, createOrganisation, linkCompany, listMembers, membership } from './organisations.ts';
import { createUser } from './users.ts';

const T0 = new Date(Date.UTC(2026, 2, 1, 9));
const later = (ms: number): Date => new Date(T0.getTime() + ms);

for (const target of testDatabases()) {
  describe(`invitations (${target.name})`, () => {
    let t: TestDatabase;
    let orgId: string;
    let otherOrgId: string;
    let adminId: string;
    let companies: string[];
    let n = 0;
    const newUser = async () => (await createUser(t.db, { email: `u${++n}@example.se`, name: `U${n}`, passwordHash: 'x', locale: 'sv' })).id;

    before(async () => {
      t = await target.open();
      orgId = (await createOrganisation(t.db, { kind: 'firm', name: 'Byrån AB' })).id;
      otherOrgId = (await createOrganisation(t.db, { kind: 'company', name: 'Annat AB' })).id;
      adminId = await newUser();
      await addMember(t.db, orgId, adminId, 'admin');
      companies = [];
      for (const name of ['Klient 1 AB', 'Klient 2 AB']) {
        const tenant = await createTenant(t.db, { name });
        await linkCompany(t.db, orgId, tenant.id);
        companies.push(tenant.id);
      }
    });
    after(() => t.cleanup());

    it('stores only the hash of the token, and the token finds the invitation for seven days', async () => {
      const { invitation, token } = await createInvitation(t.db, { orgId, email: ' Ny@Example.SE ', role: 'readonly', tenantIds: [companies[0]!], invitedBy: adminId, now: T0 });
      assert.equal(invitation.email, 'ny@example.se');
      const row = await t.db.selectFrom('invitations').selectAll().where('id', '=', invitation.id).executeTakeFirstOrThrow();
      assert.notEqual(row.token_hash, token);
      assert.doesNotMatch(JSON.stringify(row), new RegExp(token));
      const found = await invitationByToken(t.db, token);
      assert.deepEqual(found?.tenantIds, [companies[0]]);
      assert.equal(invitationState(found, later(INVITATION_TTL_MS - 1)), 'valid');
      assert.equal(invitationState(found, later(INVITATION_TTL_MS)), 'expired');
      assert.equal(await invitationByToken(t.db, `${token}x`), undefined);
    });

    it('joins the user with the invited role and companies, once', async () => {
      const { token } = await createInvitation(t.db, { orgId, email: 'a@example.se', role: 'user', tenantIds: [companies[1]!], invitedBy: adminId, now: T0 });
      const userId = await newUser();
      const first = await acceptInvitation(t.db, token, userId, later(1000));
      assert.equal(first.ok, true);
      assert.equal(await membership(t.db, orgId, userId), 'user');
      assert.deepEqual((await listMembers(t.db, orgId)).find((m) => m.user.id === userId)?.companies, [companies[1]]);
      const again = await acceptInvitation(t.db, token, await newUser(), later(2000));
      assert.deepEqual(again, { ok: false, reason: 'accepted' });
    });

    it('refuses an expired, revoked or unknown link, and a user who already is a member', async () => {
      const expired = await createInvitation(t.db, { orgId, email: 'b@example.se', role: 'user', invitedBy: adminId, now: T0 });
      assert.deepEqual(await acceptInvitation(t.db, expired.token, await newUser(), later(INVITATION_TTL_MS + 1)), { ok: false, reason: 'expired' });

      const revoked = await createInvitation(t.db, { orgId, email: 'c@example.se', role: 'user', invitedBy: adminId, now: T0 });
      assert.equal(await revokeInvitation(t.db, otherOrgId, revoked.invitation.id, later(1)), false, 'another organisation cannot revoke it');
      assert.equal(await revokeInvitation(t.db, orgId, revoked.invitation.id, later(1)), true);
      assert.equal(await revokeInvitation(t.db, orgId, revoked.invitation.id, later(2)), false);
      const userId = await newUser();
      assert.deepEqual(await acceptInvitation(t.db, revoked.token, userId, later(3)), { ok: false, reason: 'revoked' });
      assert.equal(await membership(t.db, orgId, userId), undefined);

      assert.deepEqual(await acceptInvitation(t.db, 'not-a-token-at-all-really', userId, later(3)), { ok: false, reason: 'unknown' });

      const own = await createInvitation(t.db, { orgId, email: 'd@example.se', role: 'readonly', invitedBy: adminId, now: T0 });
      assert.deepEqual(await acceptInvitation(t.db, own.token, adminId, later(3)), { ok: false, reason: 'already_member' });
      assert.equal(await membership(t.db, orgId, adminId), 'admin', 'the role is unchanged');
    });

    it('a new invitation to the same address replaces the outstanding one, and is found only in its organisation', async () => {
      const first = await createInvitation(t.db, { orgId, email: 'e@example.se', role: 'user', invitedBy: adminId, now: T0 });
      const second = await createInvitation(t.db, { orgId, email: 'E@example.se', role: 'admin', invitedBy: adminId, now: later(1) });
      assert.equal((await getInvitation(t.db, orgId, first.invitation.id))?.revokedAt, later(1).toISOString());
      const pending = await listPendingInvitations(t.db, orgId);
      assert.ok(pending.some((i) => i.id === second.invitation.id));
      assert.ok(!pending.some((i) => i.id === first.invitation.id));
      assert.equal(await getInvitation(t.db, otherOrgId, second.invitation.id), undefined);
    });
  });
}
