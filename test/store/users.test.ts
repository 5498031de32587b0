// Users, sessions, API tokens and the audit log on both stores.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, KINDS, freshDb, rejectsWith } from './helpers.ts';

for (const kind of KINDS) {
  describe(`users repository (${kind})`, () => {
    const open = async () => {
      const clock = new Clock();
      const s = await freshDb(kind).open({ now: clock.now });
      return { s, clock };
    };

    it('creates, updates, lists and deletes users; names and roles are checked', async () => {
      const { s, clock } = await open();
      assert.equal(await s.users.count(), 0);
      const a = await s.users.create({ name: 'alice', role: 'admin', passwordHash: 'h1', fullName: 'Alice A.' });
      assert.deepEqual(a, { name: 'alice', role: 'admin', fullName: 'Alice A.', passwordHash: 'h1', disabled: false, createdAt: clock.t, updatedAt: clock.t, email: null });
      await s.users.create({ name: 'bob.b@corp', role: 'viewer', passwordHash: 'h2' });
      await rejectsWith(s.users.create({ name: 'alice', role: 'viewer', passwordHash: 'h' }), 'conflict', /a user named 'alice' already exists/);
      await rejectsWith(s.users.create({ name: '../x', role: 'viewer', passwordHash: 'h' }), 'invalid', /^name: invalid user name/);
      // The admin token's and the audit log's own names: a user under them would be mistaken for them.
      await rejectsWith(s.users.create({ name: 'Admin-Token', role: 'viewer', passwordHash: 'h' }), 'invalid', /^name: 'Admin-Token' is reserved/);
      await rejectsWith(s.users.create({ name: 'carol', role: 'root' as never, passwordHash: 'h' }), 'invalid', /^role: must be one of admin, developer, viewer/);
      clock.advance(10);
      const u = await s.users.update('bob.b@corp', { role: 'developer', disabled: true });
      assert.deepEqual([u.role, u.disabled, u.updatedAt, u.passwordHash], ['developer', true, clock.t, 'h2']);
      // An e-mail address (where emailext's requestor() mail goes): one address, no line breaks.
      assert.equal((await s.users.update('bob.b@corp', { email: 'bob@corp.example' })).email, 'bob@corp.example');
      await rejectsWith(s.users.update('bob.b@corp', { email: 'bob@corp.example\r\nBcc: x@y.z' }), 'invalid', /^email: "bob@corp\.example\\r\\nBcc: x@y\.z" is not an e-mail address$/);
      assert.equal((await s.users.update('bob.b@corp', { email: '' })).email, null);
      await rejectsWith(s.users.update('nobody', { role: 'admin' }), 'not-found', /no user named 'nobody'/);
      assert.deepEqual((await s.users.list()).map((x) => x.name), ['alice', 'bob.b@corp']);
      assert.equal(await s.users.count(), 2);
      assert.equal(await s.users.get('no such/user'), null);
      assert.equal(await s.users.delete('alice'), true);
      assert.equal(await s.users.delete('alice'), false);
    });

    it('sessions and tokens belong to a user and go with it', async () => {
      const { s, clock } = await open();
      await s.users.create({ name: 'dev', role: 'developer', passwordHash: 'h' });
      const sess = { idHash: 'a'.repeat(64), user: 'dev', csrf: 'c', createdAt: clock.t, lastSeenAt: clock.t, expiresAt: clock.t + 1000, address: '127.0.0.1' };
      await s.users.createSession(sess);
      await s.users.createSession({ ...sess, idHash: 'b'.repeat(64), expiresAt: clock.t - 1 });
      assert.deepEqual(await s.users.session(sess.idHash), sess);
      await s.users.touchSession(sess.idHash, clock.t + 5);
      assert.equal((await s.users.session(sess.idHash))!.lastSeenAt, clock.t + 5);
      assert.equal(await s.users.pruneSessions(clock.t), 1);
      const tok = { id: 't1', user: 'dev', name: 'ci', tokenHash: 'f'.repeat(64), createdAt: clock.t, lastUsedAt: null, expiresAt: null };
      await s.users.createToken(tok);
      await rejectsWith(s.users.createToken({ ...tok, id: 't2', tokenHash: 'e'.repeat(64) }), 'conflict', /already has a token named 'ci'/);
      await rejectsWith(s.users.createToken({ ...tok, id: 't3', user: 'ghost', name: 'x', tokenHash: 'd'.repeat(64) }), 'not-found', /no user named 'ghost'/);
      assert.deepEqual(await s.users.tokenByHash(tok.tokenHash), tok);
      await s.users.touchToken('t1', clock.t + 7);
      assert.equal((await s.users.tokens('dev'))[0]!.lastUsedAt, clock.t + 7);
      assert.equal(await s.users.deleteToken('someone-else', 't1'), false);
      await s.users.delete('dev');
      assert.equal(await s.users.session(sess.idHash), null);
      assert.equal(await s.users.tokenByHash(tok.tokenHash), null);
    });

    it('the audit log pages newest first and filters by actor and action', async () => {
      const { s, clock } = await open();
      for (let i = 0; i < 5; i++) {
        clock.advance(1);
        await s.users.audit({ actor: i % 2 ? 'bob' : 'alice', action: i === 4 ? 'login-failed' : 'login', target: '', detail: `#${i}`, address: '10.0.0.1' });
      }
      const first = await s.users.auditLog({ limit: 2 });
      assert.deepEqual(first.map((e) => e.detail), ['#4', '#3']);
      const next = await s.users.auditLog({ limit: 2, before: first[1]!.id });
      assert.deepEqual(next.map((e) => e.detail), ['#2', '#1']);
      assert.deepEqual((await s.users.auditLog({ limit: 10, actor: 'bob' })).map((e) => e.detail), ['#3', '#1']);
      assert.deepEqual((await s.users.auditLog({ limit: 10, action: 'login-failed' })).map((e) => [e.actor, e.at]), [['alice', clock.t]]);
    });
  });
}
