import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../src/store/demo-seed.js';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

interface PrivateView {
  username: string;
  email: string | null;
  contact: string | null;
  sessions: { current: boolean }[] | null;
  auditLog: { totalCount: number } | null;
}

const PRIVATE_FIELDS = 'username email contact sessions { current } auditLog { totalCount }';
const NODE = `query($id: ID!) { node(id: $id) { ... on User { ${PRIVATE_FIELDS} } } }`;
const ME = `{ me { ${PRIVATE_FIELDS} } }`;
const AUDIT = 'query($actor: ID) { auditLog(last: 100, filter: { actorId: $actor }) { totalCount nodes { actorName } } }';

type AuditPage = { auditLog: { totalCount: number; nodes: { actorName: string }[] } };

describe('who may read what', () => {
  let s: TestServer;
  let admin: string;
  let reader: { id: string; token: string };
  let keeper: { id: string; token: string };
  beforeAll(async () => {
    s = await startServer();
    await seedCatalogue(s.core.store, { artefacts: 2, categories: 1, books: 1, figures: 1 });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    reader = await s.userWithRole('VIEWER', 'reader');
    keeper = await s.userWithRole('ARCHIVIST', 'keeper');
    const profile = await s.gql('mutation { updateProfile(input: { contact: "+852 5555 0000" }) { username } }', {}, keeper.token);
    expect(profile.body.errors).toBeUndefined();
  });
  afterAll(() => s.close());

  it('refuses every read to anonymous callers with UNAUTHENTICATED', async () => {
    const reads = [
      '{ categories { totalCount } }',
      '{ books { totalCount } }',
      '{ figures { totalCount } }',
      '{ batches { totalCount } }',
      '{ traces { totalCount } }',
      '{ models { name } }',
      '{ auditLog { totalCount } }',
      '{ users { totalCount } }',
      '{ nodes(ids: []) { id } }',
      '{ node(id: "not a global id") { id } }',
    ];
    for (const query of reads) expect(codeOf(await s.gql(query)), query).toBe('UNAUTHENTICATED');
    expect(codeOf(await s.gql(NODE, { id: keeper.id }))).toBe('UNAUTHENTICATED');
  });

  it("hides another user's email, contact, sessions and audit log from a viewer", async () => {
    const r = await s.gql<{ node: PrivateView }>(NODE, { id: keeper.id }, reader.token);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data?.node).toEqual({ username: 'keeper', email: null, contact: null, sessions: null, auditLog: null });
  });

  it('shows a user their own private details, with the session they are using', async () => {
    const r = await s.gql<{ me: PrivateView }>(ME, {}, keeper.token);
    const me = r.body.data?.me;
    expect(me).toMatchObject({ username: 'keeper', email: 'keeper@example.org', contact: '+852 5555 0000' });
    expect(me?.sessions?.filter((x) => x.current)).toHaveLength(1);
    expect(me?.auditLog?.totalCount).toBeGreaterThan(0);
  });

  it("shows the superuser anyone's private details", async () => {
    const r = await s.gql<{ node: PrivateView }>(NODE, { id: keeper.id }, admin);
    const keeperSeen = r.body.data?.node;
    expect(keeperSeen).toMatchObject({ username: 'keeper', email: 'keeper@example.org', contact: '+852 5555 0000' });
    // Not the superuser's own sessions: none of keeper's is the one making this request.
    expect(keeperSeen?.sessions?.length).toBeGreaterThan(0);
    expect(keeperSeen?.sessions?.some((x) => x.current)).toBe(false);
    expect(keeperSeen?.auditLog?.totalCount).toBeGreaterThan(0);
  });

  it('gives a viewer only their own audit entries, whichever actor they ask for', async () => {
    for (const actor of [null, keeper.id]) {
      const r = await s.gql<AuditPage>(AUDIT, { actor }, reader.token);
      const nodes = r.body.data?.auditLog.nodes ?? [];
      expect(nodes.length).toBeGreaterThan(0);
      expect(nodes.every((n) => n.actorName === 'reader')).toBe(true);
    }
    const asSuperuser = await s.gql<AuditPage>(AUDIT, { actor: keeper.id }, admin);
    const names = new Set(asSuperuser.body.data?.auditLog.nodes.map((n) => n.actorName));
    expect([...names]).toEqual(['keeper']);
    const everyone = await s.gql<AuditPage>(AUDIT, { actor: null }, admin);
    expect(everyone.body.data?.auditLog.nodes.map((n) => n.actorName)).toEqual(expect.arrayContaining(['chief', 'reader', 'keeper']));
  });

  it('refuses the account list to a viewer with FORBIDDEN', async () => {
    expect(codeOf(await s.gql('{ users { totalCount } }', {}, reader.token))).toBe('FORBIDDEN');
  });

  it('lets a viewer read traces, models and any node', async () => {
    const r = await s.gql<{ traces: { totalCount: number }; models: { name: string }[]; node: { username: string } }>(
      'query($id: ID!) { traces { totalCount } models { name } node(id: $id) { ... on User { username } } }',
      { id: keeper.id },
      reader.token,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data?.models.length).toBeGreaterThan(0);
    expect(r.body.data?.node).toEqual({ username: 'keeper' });
    expect((await s.gql<{ node: null }>('{ node(id: "not a global id") { id } }', {}, reader.token)).body.data).toEqual({ node: null });
  });
});
