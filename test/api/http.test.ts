import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { createClient } from 'graphql-ws';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seedCatalogue } from '../../src/store/demo-seed.js';
import { startServerProcess } from '../support/server-process.js';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { SAMPLES_DIR as SAMPLES } from '../support/samples.js';


describe('HTTP edge', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_COMPLEXITY: '2000' });
    await seedCatalogue(s.core.store, { artefacts: 6, categories: 1, books: 1, figures: 1 });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  const auth = () => ({ authorization: `Bearer ${admin}` });

  it('answers GET and POST, with application/graphql-response+json when asked', async () => {
    const get = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ me { username } }')}`, {
      headers: { ...auth(), accept: 'application/graphql-response+json' },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(await get.json()).toEqual({ data: { me: { username: SUPERUSER.username } } });
    const post = await s.gql('{ me { username } }', undefined, admin);
    expect(post.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('answers 400 to an invalid document for graphql-response+json clients, 200 for legacy JSON ones', async () => {
    const bad = await s.gql('{ me { nosuchfield } }', {}, admin, { accept: 'application/graphql-response+json' });
    expect(bad.status).toBe(400);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const legacy = await s.gql('{ me { nosuchfield } }', {}, admin, { accept: 'application/json' });
    expect(legacy.status).toBe(200);
    const syntax = await s.gql('{ me { ', {}, admin, { accept: 'application/graphql-response+json' });
    expect(syntax.status).toBe(400);
  });

  it('answers a bad variable value with BAD_USER_INPUT', async () => {
    const r = await s.gql('query($s: BatchStage) { batches(stage: $s) { totalCount } }', { s: 'NOT_A_STAGE' }, admin);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors?.[0]?.message).toMatch(/NOT_A_STAGE/);
  });

  it('accepts "extensions": null as the spec allows', async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: JSON.stringify({ query: '{ me { username } }', extensions: null }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: { username: SUPERUSER.username } } });
  });

  it('refuses queries past the depth and complexity limits', async () => {
    const deep = '{ artefacts { nodes { categories { category { members { nodes { books { book { title } } } } } } } } }';
    expect(codeOf(await s.gql(deep, {}, admin))).toBe('BAD_USER_INPUT');
    const wide = await s.gql('{ artefacts(first: 100) { nodes { name fields { value } categories { reason } figures { label } } } }', {}, admin);
    expect(codeOf(wide)).toBe('BAD_USER_INPUT');
    expect(wide.body.errors?.[0]?.message).toMatch(/too complex/);
  });

  it('prices a query again for other variables: the same document passes with a small page and is refused with a large one, in either order', async () => {
    const query = 'query($n: Int) { artefacts(first: $n) { nodes { name fields { value } categories { reason } figures { label } } } }';
    const codes: string[] = [];
    for (const n of [1, 100, 1, 100]) codes.push(codeOf(await s.gql(query, { n }, admin)) ?? 'OK');
    expect(codes).toEqual(['OK', 'BAD_USER_INPUT', 'OK', 'BAD_USER_INPUT']);
  });

  it('answers 400 to depth and cost refusals for graphql-response+json clients, with no data entry', async () => {
    const deep = '{ artefacts { nodes { categories { category { members { nodes { books { book { title } } } } } } } } }';
    const wide = '{ artefacts(first: 100) { nodes { name fields { value } categories { reason } figures { label } } } }';
    for (const query of [deep, wide]) {
      const modern = await s.gql(query, {}, admin, { accept: 'application/graphql-response+json' });
      expect([modern.status, codeOf(modern), 'data' in modern.body]).toEqual([400, 'BAD_USER_INPUT', false]);
      const legacy = await s.gql(query, {}, admin, { accept: 'application/json' });
      expect([legacy.status, codeOf(legacy), 'data' in legacy.body]).toEqual([200, 'BAD_USER_INPUT', false]);
    }
    const syntax = await s.gql('{ me { ', {}, admin, { accept: 'application/graphql-response+json' });
    expect('data' in syntax.body).toBe(false);
  });

  it('refuses more expensive fields in one operation than GRAPHQL_MAX_EXPENSIVE_FIELDS, aliases and fragments counted, before any runs', async () => {
    const traces = () => s.core.store.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM traces').get()?.n ?? -1;
    const before = traces();
    const page = await s.gql<{ artefacts: { nodes: { id: string }[] } }>('{ artefacts(first: 1) { nodes { id } } }', {}, admin);
    const id = page.body.data?.artefacts.nodes[0]?.id;
    const asks = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: askArchivus(artefactId: $id, question: "Who is this?") { status }`).join(' ');
    const many = await s.gql(`mutation($id: ID!) { ${asks(200)} }`, { id }, admin);
    expect(codeOf(many)).toBe('BAD_USER_INPUT');
    expect(many.body.errors?.[0]?.message).toMatch(/200 expensive fields .* limit is 5/);
    expect(many.body.data).toBeUndefined();
    const spread = await s.gql(`mutation($id: ID!) { ...Ask ...Ask2 } fragment Ask on Mutation { ${asks(3)} } fragment Ask2 on Mutation { b: askArchivus(artefactId: $id, question: "Where?") { status } c: startBatch(batchId: $id) { id } d: startIntegration(batchId: $id) { id } }`, { id }, admin);
    expect(spread.body.errors?.[0]?.message).toMatch(/6 expensive fields/);
    expect(traces()).toBe(before);
    // At the limit, each runs (and, with no language model configured, is skipped).
    const five = await s.gql<Record<string, { status: string }>>(`mutation($id: ID!) { ${asks(5)} }`, { id }, admin);
    expect(five.body.errors).toBeUndefined();
    expect(Object.values(five.body.data ?? {}).map((a) => a.status)).toEqual(Array(5).fill('SKIPPED'));
  });

  it('answers malformed requests with BAD_USER_INPUT and a 4xx, never INTERNAL', async () => {
    const post = async (body: string, contentType?: string, accept = 'application/json') => {
      const res = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { ...auth(), accept, ...(contentType ? { 'content-type': contentType } : {}) }, body });
      const json = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      return [res.status, json.errors?.[0]?.extensions?.code, 'data' in json];
    };
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      expect(await post('{"query":0}', 'application/json', accept)).toEqual([400, 'BAD_USER_INPUT', false]);
      expect(await post('{"query":"{ me { username } }"}', 'application/graphql', accept)).toEqual([400, 'BAD_USER_INPUT', false]);
      expect(await post('{"query":"{ __typename }", "variables": []}', 'application/json', accept)).toEqual([400, 'BAD_USER_INPUT', false]);
      expect(await post('{"query":"{ __typename }", "operationName": 1}', 'application/json', accept)).toEqual([400, 'BAD_USER_INPUT', false]);
      expect(await post('{not json', 'application/json', accept)).toEqual([400, 'BAD_USER_INPUT', false]);
      // A text/plain POST (what a cross-site form can send) is not a GraphQL request.
      expect(await post('{"query":"{ __typename }"}', 'text/plain', accept)).toEqual([415, 'BAD_USER_INPUT', false]);
    }
    // A bare document as application/graphql still works.
    expect(await post('{ me { username } }', 'application/graphql')).toEqual([200, undefined, true]);
  });

  it('answers the full introspection query GraphiQL sends, whatever the depth limit', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const r = await s.gql<{ __schema: { types: unknown[] } }>(getIntrospectionQuery(), {}, admin);
    expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    expect(r.body.data?.__schema.types.length).toBeGreaterThan(50);
  });

  it('reports unexpected failures as INTERNAL without details', async () => {
    const original = s.core.store.categories.page.bind(s.core.store.categories);
    s.core.store.categories.page = () => {
      throw new Error('secret database detail');
    };
    try {
      await s.core.cache.invalidate(['categories']);
      const r = await s.gql('{ categories { totalCount } }', {}, admin);
      expect(codeOf(r)).toBe('INTERNAL');
      expect(JSON.stringify(r.body)).not.toContain('secret');
    } finally {
      s.core.store.categories.page = original;
    }
    expect((await s.gql('{ me { username } }', {}, admin)).body.data).toEqual({ me: { username: SUPERUSER.username } });
  });

  it('serves image files and thumbnails to signed-in users, or through the signed URLs the API gives', async () => {
    const r = await s.gql<{ artefacts: { nodes: { image: { url: string; thumbnailUrl: string; mime: string } }[] } }>(
      '{ artefacts(first: 1) { nodes { image { url mime thumbnailUrl(size: S128) } } } }',
      {},
      admin,
    );
    const image = r.body.data?.artefacts.nodes[0]?.image;
    const path = new URL(image?.url as string).pathname;
    expect((await fetch(`${s.url}${path}`)).status).toBe(401);
    const file = await fetch(`${s.url}${path}`, { headers: auth() });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe(image?.mime);
    expect((await fetch(image?.url as string)).status).toBe(200);
    const thumb = await fetch(image?.thumbnailUrl as string);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta.format).toBe('webp');
    expect((await fetch(`${s.url}/files/${'0'.repeat(64)}`, { headers: auth() })).status).toBe(404);
    expect((await fetch(`${s.url}${path}/thumbnail/333`, { headers: auth() })).status).toBe(400);
  });

  it('takes a profile picture as a GraphQL multipart upload and refuses a file that is not an image', async () => {
    const upload = (bytes: Buffer, name: string) => {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadProfilePicture(file: $f) { avatar { mime width height } } }', variables: { f: null } }));
      form.append('map', JSON.stringify({ 0: ['variables.f'] }));
      form.append('0', new Blob([new Uint8Array(bytes)]), name);
      return fetch(`${s.url}/graphql`, { method: 'POST', headers: auth(), body: form });
    };
    const ok = await upload(readFileSync(path.join(SAMPLES, 'minutes-page.jpg')), 'me.jpg');
    expect(await ok.json()).toEqual({ data: { uploadProfilePicture: { avatar: { mime: 'image/jpeg', width: 428, height: 391 } } } });
    const bad = (await (await upload(Buffer.from('%PDF-1.4 not an image'), 'me.png')).json()) as { errors: { extensions: { code: string } }[] };
    expect(bad.errors[0]?.extensions.code).toBe('INVALID_IMAGE');
    const truncated = readFileSync(path.join(SAMPLES, 'panel-photo.png')).subarray(0, 5000);
    const broken = (await (await upload(truncated, 'cut.png')).json()) as { errors: { extensions: { code: string } }[] };
    expect(broken.errors[0]?.extensions.code).toBe('INVALID_IMAGE');
  });

  it('serves GraphiQL and its assets from the installed packages', async () => {
    const page = await fetch(`${s.url}/graphiql`);
    const html = await page.text();
    expect(html).toContain('/graphiql/assets/graphiql.js');
    expect(html).not.toMatch(/https?:\/\/(unpkg|cdn|esm\.sh)/);
    // Subscriptions work from GraphiQL: the page's script gives its fetcher the WebSocket endpoint
    // (run here against stand-ins for the browser), and the bundle carries the graphql-ws client.
    const script = await (await fetch(`${s.url}/graphiql/page.js`)).text();
    const fetcherOptions: Record<string, unknown>[] = [];
    const host = new URL(s.url).host;
    runInNewContext(script, {
      location: { protocol: 'https:', host, origin: `https://${host}` },
      document: { cookie: '', getElementById: () => ({}) },
      GraphiQL: { createFetcher: (options: Record<string, unknown>) => fetcherOptions.push(options) },
      React: { createElement: () => ({}) },
      ReactDOM: { createRoot: () => ({ render: () => undefined }) },
    });
    expect(fetcherOptions).toEqual([{ url: `https://${host}/graphql`, subscriptionUrl: `wss://${host}/graphql` }]);
    expect(await (await fetch(`${s.url}/graphiql/assets/graphiql.js`)).text()).toContain('graphql-transport-ws');
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css']) {
      const res = await fetch(`${s.url}/graphiql/assets/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(1000);
    }
  });

  it('says it is alive and ready', async () => {
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks;
    expect(checks.database?.ok).toBe(true);
    expect(checks.models?.ok).toBe(true);
  });

  it('lists every registered model with its verification and provenance', async () => {
    const r = await s.gql<{ models: { name: string; status: string; licence: string; sha256: string; source: string }[] }>(
      '{ models { name status licence sha256 source } }',
      {},
      admin,
    );
    const models = r.body.data?.models ?? [];
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['ppocr-v4-det', 'ppocr-v4-rec', 'ultraface-rfb-320']));
    for (const m of models) {
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.licence.length).toBeGreaterThan(0);
    }
    expect(models.find((m) => m.name === 'ppocr-v4-det')?.status).toBe('OK');
  });
});

describe('cache off', () => {
  it('reads through to the database every time when CACHE_ENABLED=false', async () => {
    const s = await startServer({ CACHE_ENABLED: 'false' });
    try {
      const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
      const q = '{ categories { totalCount } }';
      await s.gql(q, {}, admin);
      const before = s.core.store.db.statementCount;
      await s.gql(q, {}, admin);
      // Session, user, then the page and its count again.
      expect(s.core.store.db.statementCount - before).toBe(4);
    } finally {
      await s.close();
    }
  });
});

describe('the error log', () => {
  it('holds no line that a client mistake caused, over HTTP or WebSocket', async () => {
    const server = await startServerProcess({ LOG_LEVEL: 'info', SUPERUSER_USERNAME: SUPERUSER.username, SUPERUSER_EMAIL: SUPERUSER.email, SUPERUSER_PASSWORD: SUPERUSER.password });
    try {
      const post = (body: string, contentType: string, token?: string) =>
        fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
      const signIn = await post(JSON.stringify({ query: `mutation { signIn(identifier: "${SUPERUSER.username}", password: "${SUPERUSER.password}") { token } }` }), 'application/json');
      const token = ((await signIn.json()) as { data: { signIn: { token: string } } }).data.signIn.token;
      const mistakes: [string, string][] = [
        ['{"query":0}', 'application/json'],
        ['{"query":"{ me { username } }"}', 'application/graphql'],
        ['{"query":"{ __typename }"}', 'text/plain'],
        ['{not json', 'application/json'],
        ['{"query":"{ me { nosuchfield } }"}', 'application/json'],
        ['{"query":"query($n: Int!) { artefacts(first: $n) { totalCount } }", "variables": { "n": "many" }}', 'application/json'],
      ];
      for (const [body, contentType] of mistakes) expect((await post(body, contentType, token)).status).toBeLessThan(500);
      const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0 });
      for (const query of [
        'subscription($b: ID!) { batchProgress(batchId: $b) { seq } }',
        'subscription { batchProgress(batchId: "QmF0Y2g6OTk5") { seq } }',
        'subscription { batchProgress(batchId: "not an id") { seq } }',
        'subscription { catalogueChanged { nosuchfield } }',
      ]) {
        const failure = new Promise<unknown>((resolve) => client.subscribe({ query }, { next: () => undefined, error: resolve, complete: () => resolve('completed') }));
        const silence = new Promise((resolve) => setTimeout(() => resolve('no answer'), 5000));
        expect(await Promise.race([failure, silence]), query).toEqual([expect.objectContaining({ message: expect.any(String) })]);
      }
      await client.dispose();
    } finally {
      await server.stop();
    }
    const log = server.output();
    // The capture works: the refused subscription's variables are there, at the info level.
    expect(log).toContain('subscription refused: its variables do not fit');
    expect(log.split('\n').filter((line) => line.includes('"level":50'))).toEqual([]);
  }, 120_000);
});
