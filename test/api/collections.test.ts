import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../resolvers/ids.js';
import { seedCatalogue } from '../../src/store/demo-seed.js';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

interface AuditNode {
  action: string;
  actorName: string;
  targetType: string | null;
  targetId: string | null;
  detail: Record<string, unknown> | null;
}

describe('categories and books, and what their changes leave in the audit log', () => {
  let s: TestServer;
  let admin: string;
  let keeper: string;
  // Demo minutes 1 and 2 (MM), demo photo 1 (HF); in no category or book to begin with.
  let minutes: string;
  let photo: string;
  let minutes2: string;
  // Audit details name artefacts by their local ids.
  let localIds: string[];
  beforeAll(async () => {
    s = await startServer();
    const { artefactIds } = await seedCatalogue(s.core.store, { artefacts: 4, categories: 0, books: 0, figures: 0 });
    localIds = artefactIds;
    [minutes, photo, minutes2] = artefactIds.slice(0, 3).map((id) => toGlobalId('Artefact', id)) as [string, string, string];
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    keeper = (await s.userWithRole('ARCHIVIST', 'keeper')).token;
  });
  afterAll(() => s.close());

  /** The audit entries of `action` on `targetId`, oldest first. */
  const audit = async (action: string, targetId: string): Promise<AuditNode[]> => {
    const r = await s.gql<{ auditLog: { nodes: AuditNode[] } }>(
      'query($a: String!, $t: ID!) { auditLog(last: 50, filter: { action: $a, targetId: $t }) { nodes { action actorName targetType targetId detail } } }',
      { a: action, t: targetId },
      admin,
    );
    return r.body.data?.auditLog.nodes ?? [];
  };

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const r = await s.gql<T>(query, variables, keeper);
    if (!r.body.data) throw new Error(JSON.stringify(r.body.errors));
    return r.body.data;
  };

  it('creates, edits and deletes a category, each change audited with what changed', async () => {
    const { createCategory: c } = await gql<{ createCategory: { id: string; name: string; description: string | null } }>(
      'mutation { createCategory(input: { name: "Dinners", description: "Annual dinners" }) { id name description } }',
    );
    expect(c).toMatchObject({ name: 'Dinners', description: 'Annual dinners' });
    expect(codeOf(await s.gql('mutation { createCategory(input: { name: "dinners" }) { id } }', {}, keeper))).toBe('CONFLICT');
    const other = await gql<{ createCategory: { id: string; description: string | null } }>('mutation { createCategory(input: { name: "Forums" }) { id description } }');
    expect(other.createCategory.description).toBeNull();
    expect(codeOf(await s.gql('mutation($id: ID!) { updateCategory(categoryId: $id, input: { name: "Forums" }) { id } }', { id: c.id }, keeper))).toBe('CONFLICT');

    const edited = await gql<{ updateCategory: { name: string; description: string } }>(
      'mutation($id: ID!) { updateCategory(categoryId: $id, input: { name: "Annual dinners", description: "The yearly dinner" }) { name description } }',
      { id: c.id },
    );
    expect(edited.updateCategory).toEqual({ name: 'Annual dinners', description: 'The yearly dinner' });
    expect(await gql('mutation($id: ID!) { deleteCategory(categoryId: $id) }', { id: c.id })).toEqual({ deleteCategory: c.id });
    expect(await gql('query($id: ID!) { node(id: $id) { id } }', { id: c.id })).toEqual({ node: null });
    expect(codeOf(await s.gql('mutation($id: ID!) { updateCategory(categoryId: $id, input: { name: "Again" }) { id } }', { id: c.id }, keeper))).toBe('NOT_FOUND');

    const entry = { actorName: 'keeper', targetType: 'Category', targetId: c.id };
    expect(await audit('category.create', c.id)).toEqual([{ ...entry, action: 'category.create', detail: { name: 'Dinners' } }]);
    expect(await audit('category.update', c.id)).toEqual([{ ...entry, action: 'category.update', detail: { fields: ['name', 'description'] } }]);
    expect(await audit('category.delete', c.id)).toEqual([{ ...entry, action: 'category.delete', detail: { name: 'Annual dinners' } }]);
  });

  it("puts photos into a category with the person's reason or a default one, never minutes pages, and takes them out", async () => {
    const { createCategory: c } = await gql<{ createCategory: { id: string } }>('mutation { createCategory(input: { name: "Panels" }) { id } }');
    const SET = `mutation($c: ID!, $a: ID!, $m: Boolean!, $r: String) {
      setCategoryMember(categoryId: $c, artefactId: $a, member: $m, reason: $r) { memberCount } }`;
    const reasons = async () =>
      (await gql<{ node: { categories: { reason: string; placedBy: string; category: { id: string } }[] } }>(
        'query($a: ID!) { node(id: $a) { ... on Artefact { categories { reason placedBy category { id } } } } }',
        { a: photo },
      )).node.categories.filter((m) => m.category.id === c.id);

    expect(await gql(SET, { c: c.id, a: photo, m: true, r: '  A panel on trade  ' })).toEqual({ setCategoryMember: { memberCount: 1 } });
    expect(await reasons()).toEqual([{ reason: 'A panel on trade', placedBy: 'HUMAN', category: { id: c.id } }]);
    expect(await gql(SET, { c: c.id, a: photo, m: false })).toEqual({ setCategoryMember: { memberCount: 0 } });
    expect(await reasons()).toEqual([]);
    await gql(SET, { c: c.id, a: photo, m: true, r: '   ' });
    expect((await reasons())[0]?.reason).toBe('Placed by keeper');
    const refused = await s.gql(SET, { c: c.id, a: minutes, m: true }, keeper);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0]?.message).toBe('Meeting minutes go into books, not categories');

    const entry = { actorName: 'keeper', targetType: 'Category', targetId: c.id, detail: { artefactId: localIds[1] } };
    expect(await audit('category.addMember', c.id)).toEqual([
      { ...entry, action: 'category.addMember' },
      { ...entry, action: 'category.addMember' },
    ]);
    expect(await audit('category.removeMember', c.id)).toEqual([{ ...entry, action: 'category.removeMember' }]);
  });

  it('creates, edits, fills and deletes a book of minutes, each change audited with what changed', async () => {
    const { createBook: b } = await gql<{ createBook: { id: string; title: string; subtitle: string | null } }>(
      'mutation { createBook(input: { title: "Minutes 1906", subtitle: "First year" }) { id title subtitle } }',
    );
    expect(b).toMatchObject({ title: 'Minutes 1906', subtitle: 'First year' });
    const edited = await gql<{ updateBook: { title: string; subtitle: string } }>(
      'mutation($id: ID!) { updateBook(bookId: $id, input: { title: "Minute book 1906" }) { title subtitle } }',
      { id: b.id },
    );
    expect(edited.updateBook).toEqual({ title: 'Minute book 1906', subtitle: 'First year' });

    const PLACE = 'mutation($b: ID!, $a: ID!, $i: Int) { placeInBook(bookId: $b, artefactId: $a, position: $i) { pages(first: 5) { totalCount } } }';
    const REMOVE = 'mutation($b: ID!, $a: ID!) { removeFromBook(bookId: $b, artefactId: $a) { pages(first: 5) { totalCount } } }';
    const negative = await s.gql(PLACE, { b: b.id, a: minutes, i: 0 }, keeper);
    expect(codeOf(negative)).toBe('BAD_USER_INPUT');
    expect(negative.body.errors?.[0]?.extensions?.field).toBe('position');
    const aPhoto = await s.gql(PLACE, { b: b.id, a: photo }, keeper);
    expect(aPhoto.body.errors?.[0]?.message).toBe('Event photos go into categories, not books');
    expect(await gql(PLACE, { b: b.id, a: minutes, i: 1 })).toEqual({ placeInBook: { pages: { totalCount: 1 } } });
    expect(await gql(REMOVE, { b: b.id, a: minutes })).toEqual({ removeFromBook: { pages: { totalCount: 0 } } });
    expect(codeOf(await s.gql(REMOVE, { b: b.id, a: minutes }, keeper))).toBe('NOT_FOUND');
    expect(await gql('mutation($id: ID!) { deleteBook(bookId: $id) }', { id: b.id })).toEqual({ deleteBook: b.id });
    expect(await gql('query($id: ID!) { node(id: $id) { id } }', { id: b.id })).toEqual({ node: null });

    const entry = { actorName: 'keeper', targetType: 'Book', targetId: b.id };
    expect(await audit('book.create', b.id)).toEqual([{ ...entry, action: 'book.create', detail: { title: 'Minutes 1906' } }]);
    expect(await audit('book.update', b.id)).toEqual([{ ...entry, action: 'book.update', detail: { fields: ['title'] } }]);
    expect(await audit('book.place', b.id)).toEqual([{ ...entry, action: 'book.place', detail: { artefactId: localIds[0], position: 1 } }]);
    expect(await audit('book.remove', b.id)).toEqual([{ ...entry, action: 'book.remove', detail: { artefactId: localIds[0] } }]);
    expect(await audit('book.delete', b.id)).toEqual([{ ...entry, action: 'book.delete', detail: { title: 'Minute book 1906' } }]);
  });

  it("edits an artefact's name, kind and fields, records only what changed, and audits a deletion", async () => {
    const EDIT = `mutation($id: ID!, $input: ArtefactEditInput!) { updateArtefact(artefactId: $id, input: $input) {
      name kind kindSource kindConfidence transcription: field(name: TRANSCRIPTION) { value origin } } }`;
    type Edited = { updateArtefact: { name: string; kind: string; kindSource: string; kindConfidence: number | null; transcription: { value: string; origin: string } | null } };
    const id = minutes2;

    // Only a field: name and kind stay as they were.
    const fieldOnly = await gql<Edited>(EDIT, { id, input: { fields: [{ name: 'TRANSCRIPTION', value: '總商會' }] } });
    expect(fieldOnly.updateArtefact).toMatchObject({ name: 'Demo minutes 2', kind: 'MM', kindSource: 'CLASSIFIER', transcription: { value: '總商會', origin: 'HUMAN' } });
    // The kind, as the editor's; the same name again is no change.
    const kind = await gql<Edited>(EDIT, { id, input: { name: 'Demo minutes 2', kind: 'HF' } });
    expect(kind.updateArtefact).toMatchObject({ name: 'Demo minutes 2', kind: 'HF', kindSource: 'EDITOR', kindConfidence: null });
    const renamed = await gql<Edited>(EDIT, { id, input: { name: 'Founding minutes' } });
    expect(renamed.updateArtefact).toMatchObject({ name: 'Founding minutes', kind: 'HF', kindSource: 'EDITOR' });

    const entry = { actorName: 'keeper', targetType: 'Artefact', targetId: id, action: 'artefact.edit' };
    expect(await audit('artefact.edit', id)).toEqual([
      // The Simplified text follows the edited transcription.
      { ...entry, detail: { fields: ['transcription', 'simplified'] } },
      { ...entry, detail: { kind: 'HF', fields: [] } },
      { ...entry, detail: { name: 'Founding minutes', fields: [] } },
    ]);
    expect(await gql('mutation($id: ID!) { deleteArtefact(artefactId: $id) }', { id })).toEqual({ deleteArtefact: id });
    expect(await audit('artefact.delete', id)).toEqual([{ ...entry, action: 'artefact.delete', detail: { name: 'Founding minutes' } }]);
  });
});
