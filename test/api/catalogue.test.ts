import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../src/store/demo-seed.js';
import { toGlobalId } from '../../resolvers/ids.js';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

interface Page {
  artefacts: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
    nodes: { name: string }[];
  };
}

const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $filter: ArtefactFilter) {
  artefacts(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { name }
  }
}`;

describe('catalogue over GraphQL', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer();
    await seedCatalogue(s.core.store, { artefacts: 120, categories: 4, books: 3, figures: 6 });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  it('pages forward with first/after and backward with last/before over the same order', async () => {
    const forward: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r = await s.gql<Page>(PAGE, { first: 50, after }, admin);
      const a = r.body.data?.artefacts;
      if (!a) throw new Error(JSON.stringify(r.body.errors));
      expect(a.totalCount).toBe(120);
      expect(a.pageInfo.hasPreviousPage).toBe(after !== null);
      forward.push(...a.nodes.map((n) => n.name));
      pages += 1;
      if (!a.pageInfo.hasNextPage) break;
      after = a.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(forward).toHaveLength(120);
    expect(new Set(forward).size).toBe(120);

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const r = await s.gql<Page>(PAGE, { last: 50, before }, admin);
      const a = r.body.data?.artefacts as Page['artefacts'];
      backward.unshift(...a.nodes.map((n) => n.name));
      if (!a.pageInfo.hasPreviousPage) break;
      before = a.pageInfo.startCursor;
    }
    expect(backward).toEqual(forward);
  });

  it('refuses bad paging arguments with BAD_USER_INPUT', async () => {
    expect(codeOf(await s.gql(PAGE, { first: 5, last: 5 }, admin))).toBe('BAD_USER_INPUT');
    expect(codeOf(await s.gql(PAGE, { first: 1000 }, admin))).toBe('BAD_USER_INPUT');
    expect(codeOf(await s.gql(PAGE, { first: 5, after: 'not-a-cursor' }, admin))).toBe('BAD_USER_INPUT');
  });

  it('finds Traditional text from a Traditional or Simplified query, and English text', async () => {
    const search = async (q: string) => (await s.gql<Page>(PAGE, { first: 100, filter: { search: q } }, admin)).body.data?.artefacts;
    const traditional = await search('試辦章程');
    const simplified = await search('试办章程');
    expect(traditional?.totalCount).toBe(10);
    expect(simplified?.totalCount).toBe(10);
    expect(simplified?.nodes.map((n) => n.name).sort()).toEqual(traditional?.nodes.map((n) => n.name).sort());
    expect((await search('eighty-two articles'))?.totalCount).toBe(10);
    expect((await search('banner at the chamber'))?.totalCount).toBe(12);
    expect((await search('no such words anywhere'))?.totalCount).toBe(0);
  });

  it('falls back to LIKE for one- and two-character searches', async () => {
    const r = await s.gql<Page>(PAGE, { first: 100, filter: { search: '章程' } }, admin);
    expect(r.body.data?.artefacts.totalCount).toBe(10);
    const one = await s.gql<Page>(PAGE, { first: 100, filter: { search: '簿' } }, admin);
    expect(one.body.data?.artefacts.totalCount).toBe(10);
    // LIKE wildcards in the query are literal text.
    expect((await s.gql<Page>(PAGE, { first: 100, filter: { search: '%' } }, admin)).body.data?.artefacts.totalCount).toBe(0);
  });

  it('filters by kind, category, book and figure', async () => {
    const count = async (filter: Record<string, unknown>) => (await s.gql<Page>(PAGE, { first: 1, filter }, admin)).body.data?.artefacts.totalCount;
    expect(await count({ kind: 'MM' })).toBe(60);
    expect(await count({ kind: 'HF' })).toBe(60);
    const cats = await s.gql<{ categories: { nodes: { id: string; memberCount: number }[] } }>('{ categories(first: 10) { nodes { id memberCount } } }', {}, admin);
    const first = cats.body.data?.categories.nodes[0];
    expect(first?.memberCount).toBe(15);
    expect(await count({ categoryId: first?.id })).toBe(15);
    const figures = await s.gql<{ figures: { nodes: { id: string }[] } }>('{ figures(first: 1) { nodes { id } } }', {}, admin);
    expect(await count({ figureId: figures.body.data?.figures.nodes[0]?.id })).toBeGreaterThan(0);
    expect(codeOf(await s.gql(PAGE, { first: 1, filter: { categoryId: figures.body.data?.figures.nodes[0]?.id } }, admin))).toBe('BAD_USER_INPUT');
  });

  it('loads a page of 50 artefacts with categories, books, batch and figures in a constant number of statements', async () => {
    const query = `{ artefacts(first: 50) { totalCount nodes { id name kind image { thumbnailUrl }
      categories { reason category { name } } books { position book { title } } batch { name } batchEntry { status }
      figures { label } transcription: field(name: TRANSCRIPTION) { value origin } } } }`;
    const measure = async (q: string) => {
      await s.core.cache.invalidate(['artefacts', 'fields', 'categories', 'books', 'figures']);
      const before = s.core.store.db.statementCount;
      const r = await s.gql(q, {}, admin);
      expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
      return s.core.store.db.statementCount - before;
    };
    const fifty = await measure(query);
    const five = await measure(query.replace('first: 50', 'first: 5'));
    // Authentication (session + user) 2, page 1, count 1, fields 1, category memberships with their
    // categories 1, book memberships with their books 1, batch entries 1, figures 1: 9, whatever the page size.
    expect(fifty).toBe(five);
    expect(fifty).toBeLessThanOrEqual(9);
  });

  it('shows each artefact of a page with its categories and books as the store has them', async () => {
    type Node = { name: string; categories: { reason: string; category: { name: string } }[]; books: { position: number; book: { title: string } }[] };
    const r = await s.gql<{ artefacts: { nodes: Node[] } }>(
      '{ artefacts(first: 50) { nodes { name categories { reason category { name } } books { position book { title } } } } }',
      {},
      admin,
    );
    const nodes = r.body.data?.artefacts.nodes ?? [];
    expect(nodes.filter((n) => n.categories.length > 0).length).toBeGreaterThan(10);
    expect(nodes.filter((n) => n.books.length > 0).length).toBeGreaterThan(10);
    const db = s.core.store.db;
    for (const n of nodes) {
      const categories = db
        .query<{ name: string; reason: string }>(
          'SELECT c.name, m.reason FROM category_members m JOIN categories c ON c.id = m.category_id JOIN artefacts a ON a.id = m.artefact_id WHERE a.name = ? ORDER BY c.seq',
        )
        .all(n.name);
      const books = db
        .query<{ title: string; position: number }>(
          'SELECT b.title, m.position FROM book_members m JOIN books b ON b.id = m.book_id JOIN artefacts a ON a.id = m.artefact_id WHERE a.name = ? ORDER BY b.seq',
        )
        .all(n.name);
      expect(n.categories).toEqual(categories.map((c) => ({ reason: c.reason, category: { name: c.name } })));
      expect(n.books).toEqual(books.map((b) => ({ position: b.position, book: { title: b.title } })));
    }
  });

  it('serves a cached page without touching the database, and drops it when the data changes', async () => {
    const q = '{ categories(first: 50) { totalCount nodes { name } } }';
    await s.gql(q, {}, admin);
    const before = s.core.store.db.statementCount;
    const cached = await s.gql<{ categories: { totalCount: number; nodes: { name: string }[] } }>(q, {}, admin);
    // Only the session lookup and its user: the page itself came from the cache.
    expect(s.core.store.db.statementCount - before).toBe(2);
    const created = await s.gql('mutation { createCategory(input: { name: "Fresh category" }) { name } }', {}, admin);
    expect(created.body.errors).toBeUndefined();
    const after = await s.gql<{ categories: { totalCount: number; nodes: { name: string }[] } }>(q, {}, admin);
    expect(after.body.data?.categories.totalCount).toBe((cached.body.data?.categories.totalCount ?? 0) + 1);
    expect(after.body.data?.categories.nodes.map((n) => n.name)).toContain('Fresh category');
  });

  it('keeps the machine value when a person edits a field, as a new version', async () => {
    const list = await s.gql<{ artefacts: { nodes: { id: string }[] } }>('{ artefacts(first: 1, filter: { kind: MM }) { nodes { id } } }', {}, admin);
    const id = list.body.data?.artefacts.nodes[0]?.id as string;
    const edit = await s.gql<{ updateArtefact: { name: string; field: { value: string; origin: string; version: number; author: { username: string } } } }>(
      `mutation($id: ID!) { updateArtefact(artefactId: $id, input: { fields: [{ name: TRANSCRIPTION, value: "新嘉坡中華商務總會" }] }) {
        name field(name: TRANSCRIPTION) { value origin version author { username } } } }`,
      { id },
      admin,
    );
    expect(edit.body.data?.updateArtefact.field).toEqual({ value: '新嘉坡中華商務總會', origin: 'HUMAN', version: 2, author: { username: SUPERUSER.username } });
    expect(edit.body.data?.updateArtefact.name).toMatch(/^Demo minutes/);
    const history = await s.gql<{ node: { fieldHistory: { origin: string; current: boolean; step: string | null }[] } }>(
      'query($id: ID!) { node(id: $id) { ... on Artefact { fieldHistory(name: TRANSCRIPTION) { origin current step } } } }',
      { id },
      admin,
    );
    expect(history.body.data?.node.fieldHistory).toEqual([
      { origin: 'MACHINE', current: false, step: 'seed' },
      { origin: 'HUMAN', current: true, step: null },
    ]);
    const found = await s.gql<Page>(PAGE, { first: 5, filter: { search: '商務總會' } }, admin);
    expect(found.body.data?.artefacts.totalCount).toBeGreaterThan(0);
  });

  it('answers node(id) for every node type and null for unknown ids', async () => {
    const cat = await s.gql<{ categories: { nodes: { id: string; name: string }[] } }>('{ categories(first: 1) { nodes { id name } } }', {}, admin);
    const c = cat.body.data?.categories.nodes[0];
    const r = await s.gql<{ node: { __typename: string; name: string } }>('query($id: ID!) { node(id: $id) { __typename ... on Category { name } } }', { id: c?.id }, admin);
    expect(r.body.data?.node).toEqual({ __typename: 'Category', name: c?.name });
    const missing = await s.gql('query($id: ID!) { node(id: $id) { id } }', { id: toGlobalId('Book', 'nope') }, admin);
    expect(missing.body.data).toEqual({ node: null });
  });

  it('keeps books in order and moves pages', async () => {
    const book = await s.gql<{ createBook: { id: string } }>('mutation { createBook(input: { title: "Minute book 1906" }) { id } }', {}, admin);
    const bookId = book.body.data?.createBook.id as string;
    const mm = await s.gql<{ artefacts: { nodes: { id: string; name: string }[] } }>('{ artefacts(first: 3, filter: { kind: MM }) { nodes { id name } } }', {}, admin);
    const pages = mm.body.data?.artefacts.nodes ?? [];
    for (const p of pages) await s.gql('mutation($b: ID!, $a: ID!) { placeInBook(bookId: $b, artefactId: $a) { id } }', { b: bookId, a: p.id }, admin);
    await s.gql('mutation($b: ID!, $a: ID!) { placeInBook(bookId: $b, artefactId: $a, position: 1) { id } }', { b: bookId, a: pages[2]?.id }, admin);
    const r = await s.gql<{ node: { pages: { nodes: { name: string }[] } } }>(
      'query($id: ID!) { node(id: $id) { ... on Book { pages(first: 10) { nodes { name } } } } }',
      { id: bookId },
      admin,
    );
    expect(r.body.data?.node.pages.nodes.map((n) => n.name)).toEqual([pages[2]?.name, pages[0]?.name, pages[1]?.name]);
    const photo = await s.gql<{ artefacts: { nodes: { id: string }[] } }>('{ artefacts(first: 1, filter: { kind: HF }) { nodes { id } } }', {}, admin);
    const wrong = await s.gql('mutation($b: ID!, $a: ID!) { placeInBook(bookId: $b, artefactId: $a) { id } }', { b: bookId, a: photo.body.data?.artefacts.nodes[0]?.id }, admin);
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
  });

  it('names, merges and splits figures', async () => {
    const figs = await s.gql<{ figures: { nodes: { id: string; faces: { id: string }[] }[] } }>('{ figures(first: 2) { nodes { id faces { id } } } }', {}, admin);
    const [a, b] = figs.body.data?.figures.nodes ?? [];
    const labelled = await s.gql('mutation($id: ID!) { labelFigure(figureId: $id, label: "Tan Kah Kee") { label named } }', { id: a?.id }, admin);
    expect(labelled.body.data).toEqual({ labelFigure: { label: 'Tan Kah Kee', named: true } });
    expect(codeOf(await s.gql('mutation($id: ID!) { labelFigure(figureId: $id, label: "tan kah kee") { label } }', { id: b?.id }, admin))).toBe('CONFLICT');
    const merged = await s.gql<{ mergeFigures: { faces: { id: string }[] } }>(
      'mutation($i: ID!, $f: ID!) { mergeFigures(intoFigureId: $i, fromFigureId: $f) { faces { id } } }',
      { i: a?.id, f: b?.id },
      admin,
    );
    expect(merged.body.data?.mergeFigures.faces.length).toBe((a?.faces.length ?? 0) + (b?.faces.length ?? 0));
    const gone = await s.gql('query($id: ID!) { node(id: $id) { id } }', { id: b?.id }, admin);
    expect(gone.body.data).toEqual({ node: null });
    const split = await s.gql<{ moveFace: { assignment: string; figure: { named: boolean } } }>(
      'mutation($f: ID!) { moveFace(faceId: $f) { assignment figure { named } } }',
      { f: a?.faces[0]?.id },
      admin,
    );
    expect(split.body.data?.moveFace).toEqual({ assignment: 'HUMAN', figure: { named: false } });
  });
});

describe('roles', () => {
  let s: TestServer;
  let viewer: string;
  let archivist: string;
  beforeAll(async () => {
    s = await startServer();
    await seedCatalogue(s.core.store, { artefacts: 4, categories: 1, books: 1, figures: 1 });
    viewer = (await s.userWithRole('VIEWER', 'reader')).token;
    archivist = (await s.userWithRole('ARCHIVIST', 'keeper')).token;
  });
  afterAll(() => s.close());

  const CREATE = 'mutation { createCategory(input: { name: "Role test" }) { name } }';

  it('lets a viewer read and refuses their changes with FORBIDDEN', async () => {
    expect((await s.gql<Page>(PAGE, { first: 10 }, viewer)).body.data?.artefacts.totalCount).toBe(4);
    expect(codeOf(await s.gql(CREATE, {}, viewer))).toBe('FORBIDDEN');
  });

  it('lets an archivist change data but not manage accounts', async () => {
    expect((await s.gql(CREATE, {}, archivist)).body.data).toEqual({ createCategory: { name: 'Role test' } });
    expect(codeOf(await s.gql('{ users { totalCount } }', {}, archivist))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql('mutation { createUser(input: { username: "x1x", email: "x@y.org", role: VIEWER }) { delivery } }', {}, archivist))).toBe('FORBIDDEN');
  });

  it('refuses every artefact edit to a viewer with FORBIDDEN and to anonymous callers with UNAUTHENTICATED, and changes nothing', async () => {
    const ids = await s.gql<{ artefacts: { nodes: { id: string; name: string }[] }; categories: { nodes: { id: string }[] }; books: { nodes: { id: string }[] } }>(
      '{ artefacts(first: 1, filter: { kind: MM }) { nodes { id name } } categories(first: 1) { nodes { id } } books(first: 1) { nodes { id } } }',
      {},
      viewer,
    );
    const artefact = ids.body.data?.artefacts.nodes[0];
    const vars = { a: artefact?.id, c: ids.body.data?.categories.nodes[0]?.id, b: ids.body.data?.books.nodes[0]?.id };
    const edits = [
      'mutation($a: ID!) { updateArtefact(artefactId: $a, input: { name: "Renamed", fields: [{ name: TRANSCRIPTION, value: "改" }] }) { name } }',
      'mutation($a: ID!) { deleteArtefact(artefactId: $a) }',
      'mutation($a: ID!, $c: ID!) { setCategoryMember(categoryId: $c, artefactId: $a, member: true, reason: "x") { name } }',
      'mutation($a: ID!, $b: ID!) { placeInBook(bookId: $b, artefactId: $a) { title } }',
      'mutation($a: ID!, $b: ID!) { removeFromBook(bookId: $b, artefactId: $a) { title } }',
    ];
    for (const edit of edits) {
      expect(codeOf(await s.gql(edit, vars, viewer)), edit).toBe('FORBIDDEN');
      expect(codeOf(await s.gql(edit, vars)), edit).toBe('UNAUTHENTICATED');
    }
    const after = await s.gql<{ node: { name: string; transcription: { origin: string } | null; categories: unknown[]; books: unknown[] } | null }>(
      'query($a: ID!) { node(id: $a) { ... on Artefact { name transcription: field(name: TRANSCRIPTION) { origin } categories { reason } books { position } } } }',
      vars,
      viewer,
    );
    expect(after.body.data?.node).toMatchObject({ name: artefact?.name, transcription: { origin: 'MACHINE' }, categories: [] });
    expect(after.body.data?.node?.books).toHaveLength(1);
    // The same edit is an archivist's to make.
    const allowed = await s.gql<{ updateArtefact: { name: string } }>(edits[0] as string, vars, archivist);
    expect(allowed.body.data?.updateArtefact.name).toBe('Renamed');
  });

  it('reports more pages exactly at the page boundaries, forwards and backwards', async () => {
    const page = async (args: Record<string, unknown>) => {
      const r = await s.gql<Page>(PAGE, args, viewer);
      const a = r.body.data?.artefacts;
      if (!a) throw new Error(JSON.stringify(r.body.errors));
      return { n: a.nodes.length, next: a.pageInfo.hasNextPage, previous: a.pageInfo.hasPreviousPage, start: a.pageInfo.startCursor, end: a.pageInfo.endCursor };
    };
    // Four artefacts in all.
    expect(await page({ first: 4 })).toMatchObject({ n: 4, next: false, previous: false });
    const three = await page({ first: 3 });
    expect(three).toMatchObject({ n: 3, next: true, previous: false });
    expect(await page({ first: 1, after: three.end })).toMatchObject({ n: 1, next: false, previous: true });
    const two = await page({ first: 2 });
    expect(await page({ first: 2, after: two.end })).toMatchObject({ n: 2, next: false, previous: true });

    expect(await page({ last: 4 })).toMatchObject({ n: 4, next: false, previous: false });
    const lastThree = await page({ last: 3 });
    expect(lastThree).toMatchObject({ n: 3, next: false, previous: true });
    expect(await page({ last: 1, before: lastThree.start })).toMatchObject({ n: 1, next: true, previous: false });
    const lastTwo = await page({ last: 2 });
    expect(await page({ last: 2, before: lastTwo.start })).toMatchObject({ n: 2, next: true, previous: false });
  });

  it('refuses everything but sign-in to anonymous callers', async () => {
    expect(codeOf(await s.gql(PAGE, { first: 1 }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await s.gql(CREATE))).toBe('UNAUTHENTICATED');
  });

  it('shows emails only to their owner and the superuser', async () => {
    const r = await s.gql<{ auditLog: { nodes: { actor: { username: string; email: string | null } | null }[] } }>(
      '{ auditLog(last: 5) { nodes { actor { username email } } } }',
      {},
      viewer,
    );
    expect(r.body.data?.auditLog.nodes.every((n) => n.actor?.username === 'reader' && n.actor.email === 'reader@example.org')).toBe(true);
    const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const users = await s.gql<{ users: { nodes: { username: string; email: string }[] } }>('{ users(first: 10) { nodes { username email } } }', {}, admin);
    expect(users.body.data?.users.nodes.map((u) => u.username).sort()).toEqual(['chief', 'keeper', 'reader']);
  });

  it('writes an audit entry for every change, readable by the superuser', async () => {
    const created = await s.gql('mutation { createCategory(input: { name: "Audited category" }) { name } }', {}, archivist);
    expect(created.body.errors).toBeUndefined();
    const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const r = await s.gql<{ auditLog: { nodes: { action: string; actorName: string; detail: { name?: string } }[] } }>(
      '{ auditLog(last: 100, filter: { action: "category.create" }) { nodes { action actorName detail } } }',
      {},
      admin,
    );
    expect(r.body.data?.auditLog.nodes).toContainEqual({ action: 'category.create', actorName: 'keeper', detail: { name: 'Audited category' } });
  });
});

describe('cache invalidation across tables', () => {
  let s: TestServer;
  let admin: string;
  let ids: string[];
  beforeAll(async () => {
    s = await startServer();
    // Minutes 1 and 3 in one book; photos 2 and 4 in one category, each with a face of both figures.
    ids = (await seedCatalogue(s.core.store, { artefacts: 4, categories: 1, books: 1, figures: 2 })).artefactIds.map((id) => toGlobalId('Artefact', id));
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  const ARTEFACT = 'query($id: ID!) { node(id: $id) { ... on Artefact { name transcription: field(name: TRANSCRIPTION) { value origin } } } }';

  it('drops the cached reads of both tables an edit writes (the artefact and its fields)', async () => {
    const id = ids[0];
    const read = async () => (await s.gql<{ node: { name: string; transcription: { value: string; origin: string } } }>(ARTEFACT, { id }, admin)).body.data?.node;
    const before = await read();
    expect(await read()).toEqual(before);
    const edit = await s.gql(
      'mutation($id: ID!) { updateArtefact(artefactId: $id, input: { name: "Edited minutes", fields: [{ name: TRANSCRIPTION, value: "新嘉坡中華商務總會" }] }) { name } }',
      { id },
      admin,
    );
    expect(edit.body.errors).toBeUndefined();
    expect(await read()).toEqual({ name: 'Edited minutes', transcription: { value: '新嘉坡中華商務總會', origin: 'HUMAN' } });
  });

  it('drops a cached read that depends on several tables when any one of them is written (a category change seen in the artefact list)', async () => {
    const cats = await s.gql<{ categories: { nodes: { id: string }[] } }>('{ categories(first: 1) { nodes { id } } }', {}, admin);
    const categoryId = cats.body.data?.categories.nodes[0]?.id;
    const inCategory = async () => {
      const r = await s.gql<{ artefacts: { totalCount: number; nodes: { id: string }[] } }>(
        'query($c: ID!) { artefacts(first: 10, filter: { categoryId: $c }) { totalCount nodes { id } } }',
        { c: categoryId },
        admin,
      );
      return r.body.data?.artefacts.nodes.map((n) => n.id);
    };
    const before = await inCategory();
    expect(before).toContain(ids[3]);
    expect(await inCategory()).toEqual(before);
    const removed = await s.gql('mutation($c: ID!, $a: ID!) { setCategoryMember(categoryId: $c, artefactId: $a, member: false) { name } }', { c: categoryId, a: ids[3] }, admin);
    expect(removed.body.errors).toBeUndefined();
    expect(await inCategory()).toEqual(before?.filter((id) => id !== ids[3]));
  });

  it('drops the cached reads of every table a delete writes (categories, books and figures too)', async () => {
    const views = async () => {
      const r = await s.gql<{
        categories: { nodes: { memberCount: number }[] };
        books: { nodes: { pages: { totalCount: number } }[] };
        figures: { nodes: { faces: { id: string }[] }[] };
      }>('{ categories(first: 1) { nodes { memberCount } } books(first: 1) { nodes { pages(first: 10) { totalCount } } } figures(first: 2) { nodes { faces { id } } } }', {}, admin);
      const d = r.body.data;
      return { members: d?.categories.nodes[0]?.memberCount, pages: d?.books.nodes[0]?.pages.totalCount, faces: d?.figures.nodes.map((f) => f.faces.length) };
    };
    const before = await views();
    expect(await views()).toEqual(before);
    // Photo 2 is in the category with a face of each figure; minutes 3 is a page of the book.
    for (const id of [ids[1], ids[2]]) expect((await s.gql('mutation($id: ID!) { deleteArtefact(artefactId: $id) }', { id }, admin)).body.errors).toBeUndefined();
    expect(await views()).toEqual({ members: (before.members ?? 0) - 1, pages: (before.pages ?? 0) - 1, faces: before.faces?.map((n) => n - 1) });
  });
});
