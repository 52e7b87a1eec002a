import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../src/store/demo-seed.js';
import { codeOf, startServer, SUPERUSER, type GqlResult, type TestServer } from '../support/server.js';

// The catalogue page of bench:api. Batches are never in the read cache, so only a whole-response
// cache answers this page, and the queries below that show batches, from the session alone.
const PAGE = `{ artefacts(first: 20) { totalCount pageInfo { endCursor hasNextPage } nodes { id name kind
  image { thumbnailUrl } categories { reason category { name } } books { position book { title } }
  batch { name } figures { label } transcription: field(name: TRANSCRIPTION) { value origin } } } }`;

interface PageData {
  artefacts: { nodes: { id: string; name: string; categories: { category: { name: string } }[] }[] };
}

describe('whole-response cache of catalogue queries', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer();
    await seedCatalogue(s.core.store, { artefacts: 30, categories: 3, books: 2, figures: 4 });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  /** The response, and how many SQL statements answering it took. */
  const measured = async <T>(query: string, token?: string, variables: Record<string, unknown> = {}): Promise<{ r: GqlResult<T>; statements: number }> => {
    const before = s.core.store.db.statementCount;
    const r = await s.gql<T>(query, variables, token);
    return { r, statements: s.core.store.db.statementCount - before };
  };

  it('answers a repeated page, batches included, from the session lookup alone, with the same bytes', async () => {
    const first = await measured<PageData>(PAGE, admin);
    expect(first.r.body.errors).toBeUndefined();
    const again = await measured<PageData>(PAGE, admin);
    // Only the session and its user.
    expect(again.statements).toBe(2);
    expect(again.r.body).toEqual(first.r.body);
  });

  it('keys by variables: another page is executed, not served from the first', async () => {
    const q = 'query($n: Int) { artefacts(first: $n) { nodes { name } } }';
    await s.gql(q, { n: 2 }, admin);
    const other = await measured<{ artefacts: { nodes: unknown[] } }>(q, admin, { n: 3 });
    expect(other.statements).toBeGreaterThan(2);
    expect(other.r.body.data?.artefacts.nodes).toHaveLength(3);
  });

  it('drops a cached page when a table it shows is written (a category renamed)', async () => {
    const before = (await s.gql<PageData>(PAGE, {}, admin)).body.data;
    const placed = before?.artefacts.nodes.find((n) => n.categories.length > 0);
    const oldName = placed?.categories[0]?.category.name;
    const cats = await s.gql<{ categories: { nodes: { id: string; name: string }[] } }>('{ categories(first: 10) { nodes { id name } } }', {}, admin);
    const categoryId = cats.body.data?.categories.nodes.find((c) => c.name === oldName)?.id;
    const renamed = await s.gql('mutation($c: ID!) { updateCategory(categoryId: $c, input: { name: "Renamed category" }) { name } }', { c: categoryId }, admin);
    expect(renamed.body.errors).toBeUndefined();
    const after = (await s.gql<PageData>(PAGE, {}, admin)).body.data;
    const same = after?.artefacts.nodes.find((n) => n.id === placed?.id);
    expect(same?.categories.map((c) => c.category.name)).toContain('Renamed category');
  });

  it('never serves a cached page to someone who may not read it', async () => {
    await s.gql(PAGE, {}, admin);
    expect(codeOf(await s.gql(PAGE))).toBe('UNAUTHENTICATED');
    // A new account still holding its one-time password must change it first.
    const created = await s.gql<{ createUser: { oneTimePassword: string } }>(
      'mutation { createUser(input: { username: "newcomer", email: "newcomer@example.org", role: VIEWER }) { oneTimePassword } }',
      {},
      admin,
    );
    const newcomer = await s.signIn('newcomer', created.body.data?.createUser.oneTimePassword ?? '');
    expect(codeOf(await s.gql(PAGE, {}, newcomer))).toBe('PASSWORD_CHANGE_REQUIRED');
  });

  it('keeps one entry per role: a viewer\'s first page is executed for the viewer', async () => {
    await s.gql(PAGE, {}, admin);
    const viewer = await s.userWithRole('VIEWER', 'reader');
    const first = await measured<PageData>(PAGE, viewer.token);
    expect(first.statements).toBeGreaterThan(2);
    expect((await measured(PAGE, viewer.token)).statements).toBe(2);
  });

  it('executes every time a query that reads more than the catalogue (batch progress)', async () => {
    const q = '{ artefacts(first: 5) { nodes { name batchEntry { status } } } }';
    await s.gql(q, {}, admin);
    expect((await measured(q, admin)).statements).toBeGreaterThan(2);
  });

  it('never stores a response with errors', async () => {
    // The page is read, then the second root field is refused: data and an error.
    const q = '{ artefacts(first: 5) { nodes { batch { name } } } categories(first: 1000) { nodes { name } } }';
    expect(codeOf(await s.gql(q, {}, admin))).toBe('BAD_USER_INPUT');
    const again = await measured(q, admin);
    expect(codeOf(again.r)).toBe('BAD_USER_INPUT');
    expect(again.statements).toBeGreaterThan(2);
  });

  it('never stores a refusal made before execution (a query over the cost limit)', async () => {
    const costly = '{ artefacts(first: 100) { nodes { categories { category { members(first: 100) { nodes { name } } } } } } }';
    const legacy = await s.gql(costly, {}, admin, { accept: 'application/json' });
    expect([legacy.status, codeOf(legacy)]).toEqual([200, 'BAD_USER_INPUT']);
    const modern = await s.gql(costly, {}, admin, { accept: 'application/graphql-response+json' });
    expect([modern.status, codeOf(modern)]).toEqual([400, 'BAD_USER_INPUT']);
  });
});

describe('responses holding signed file URLs', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer();
    await seedCatalogue(s.core.store, { artefacts: 3, categories: 1, books: 1, figures: 1 });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  /** The first thumbnail URL of a page asked for through `host` (fetch would not send a Host header of ours). */
  const thumbnailVia = (host: string) =>
    new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ query: '{ artefacts(first: 3) { nodes { image { thumbnailUrl } } } }' });
      const req = request(`${s.url}/graphql`, { method: 'POST', headers: { host, 'content-type': 'application/json', authorization: `Bearer ${admin}` } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve((JSON.parse(text) as { data: { artefacts: { nodes: { image: { thumbnailUrl: string } }[] } } }).data.artefacts.nodes[0]?.image.thumbnailUrl ?? ''));
      });
      req.on('error', reject);
      req.end(body);
    });

  // Without PUBLIC_URL, file URLs are on the address each request came to.
  it('keeps one response per address the request came to', async () => {
    expect(await thumbnailVia('archive-one.example.org')).toMatch(/^http:\/\/archive-one\.example\.org\//);
    expect(await thumbnailVia('archive-two.example.org')).toMatch(/^http:\/\/archive-two\.example\.org\//);
  });
});

describe('without CACHE_ENABLED', () => {
  let s: TestServer;
  afterAll(() => s.close());

  it('executes every page', async () => {
    s = await startServer({ CACHE_ENABLED: 'false' });
    await seedCatalogue(s.core.store, { artefacts: 5, categories: 1, books: 1, figures: 1 });
    const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    await s.gql(PAGE, {}, admin);
    const before = s.core.store.db.statementCount;
    expect((await s.gql(PAGE, {}, admin)).body.errors).toBeUndefined();
    expect(s.core.store.db.statementCount - before).toBeGreaterThan(2);
  });
});
