import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

/** The schema as a client sees it: introspection over HTTP, descriptions included. */
const INTROSPECTION = `{ __schema { types {
  name kind description
  fields(includeDeprecated: true) { name description args { name description type { ...Ref } } }
  inputFields { name description type { ...Ref } }
  enumValues(includeDeprecated: true) { name description }
} } }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Described {
  name: string;
  description: string | null;
}
interface Arg extends Described {
  type: TypeRef;
}
interface SchemaType extends Described {
  kind: string;
  fields: (Described & { args: Arg[] })[] | null;
  inputFields: Arg[] | null;
  enumValues: Described[] | null;
}

const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
const named = (t: TypeRef): string | null => (t.ofType == null ? t.name : named(t.ofType));

let s: TestServer;
let types: SchemaType[];
let token: string;

beforeAll(async () => {
  s = await startServer();
  token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  const r = await s.gql<{ __schema: { types: SchemaType[] } }>(INTROSPECTION, {}, token);
  types = (r.body.data?.__schema.types ?? []).filter((t) => !t.name.startsWith('__') && !BUILT_IN.has(t.name));
}, 60_000);
afterAll(() => s.close());

/** Every argument and input field of the schema, as "Type.field(arg)" or "Input.field". */
const argumentsOf = (t: SchemaType): { where: string; arg: Arg }[] => [
  ...(t.fields ?? []).flatMap((f) => f.args.map((arg) => ({ where: `${t.name}.${f.name}(${arg.name})`, arg }))),
  ...(t.inputFields ?? []).map((arg) => ({ where: `${t.name}.${arg.name}`, arg })),
];

describe('schema conventions', () => {
  it('describes every type, field, argument, input field and enum value', () => {
    const missing = (what: string, d: Described) => ((d.description ?? '').trim() === '' ? [what] : []);
    const undescribed = types.flatMap((t) => [
      ...missing(t.name, t),
      ...(t.fields ?? []).flatMap((f) => [...missing(`${t.name}.${f.name}`, f), ...f.args.flatMap((a) => missing(`${t.name}.${f.name}(${a.name})`, a))]),
      ...(t.inputFields ?? []).flatMap((f) => missing(`${t.name}.${f.name}`, f)),
      ...(t.enumValues ?? []).flatMap((v) => missing(`${t.name}.${v.name}`, v)),
    ]);
    expect(types.length).toBeGreaterThan(50);
    expect(undescribed).toEqual([]);
  });

  it('spells every enum value in SCREAMING_SNAKE_CASE', () => {
    const wrong = types.flatMap((t) => (t.enumValues ?? []).filter((v) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(v.name)).map((v) => `${t.name}.${v.name}`));
    expect(types.some((t) => t.name === 'MetadataFieldName')).toBe(true);
    expect(wrong).toEqual([]);
  });

  it('names every id argument for the type it names; only node(id:) and nodes(ids:) keep the bare name', () => {
    const ids = types.flatMap(argumentsOf).filter(({ arg }) => named(arg.type) === 'ID');
    const bare = ids.filter(({ arg }) => arg.name === 'id' || arg.name === 'ids').map(({ where }) => where);
    expect(bare.sort()).toEqual(['Query.node(id)', 'Query.nodes(ids)']);
    const unnamed = ids.filter(({ arg }) => !/(^id$|^ids$|Id$|Ids$)/.test(arg.name)).map(({ where }) => where);
    expect(unnamed).toEqual([]);
  });

  it('says which type an id argument expected, in plain English', async () => {
    const batchId = Buffer.from('Batch:1').toString('base64url');
    const r = await s.gql('mutation($a: ID!) { deleteArtefact(artefactId: $a) }', { a: batchId }, token);
    expect(r.body.errors?.[0]).toMatchObject({ message: 'artefactId is not an Artefact id', extensions: { code: 'BAD_USER_INPUT', field: 'artefactId' } });
    const book = await s.gql('mutation($b: ID!) { deleteBook(bookId: $b) }', { b: batchId }, token);
    expect(book.body.errors?.[0]?.message).toBe('bookId is not a Book id');
  });
});
