import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

const SUBSCRIPTION = 'subscription { catalogueChanged { entity id change } }';

describe('subscriptions', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer();
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  const wsUrl = () => `${s.url.replace('http', 'ws')}/graphql`;

  it('streams catalogue changes over graphql-transport-ws, authenticated in connection_init', async () => {
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    try {
      const received = new Promise<unknown>((resolve, reject) => {
        const stop = client.subscribe(
          { query: SUBSCRIPTION },
          {
            next: (value) => {
              resolve(value);
              stop();
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      // Give the subscription a moment to register before the change happens.
      await new Promise((r) => setTimeout(r, 200));
      const created = await s.gql<{ createBook: { id: string } }>('mutation { createBook(input: { title: "Live" }) { id } }', {}, token);
      expect(await received).toEqual({ data: { catalogueChanged: { entity: 'Book', id: created.body.data?.createBook.id, change: 'CREATED' } } });
    } finally {
      await client.dispose();
    }
  });

  it('refuses and closes a connection whose connection_init does not authenticate', async () => {
    for (const payload of [{ authorization: 'Bearer not-a-real-token-at-all-xxxxxxxx' }, {}]) {
      const ws = new WebSocket(wsUrl(), 'graphql-transport-ws');
      const messages: { type: string; payload?: { message?: string } }[] = [];
      ws.on('message', (m) => messages.push(JSON.parse(String(m)) as { type: string }));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'connection_init', payload }));
      await new Promise((resolve) => ws.once('close', resolve));
      // mercurius answers with an error message and closes; it never acknowledges.
      expect(messages.map((m) => m.type)).not.toContain('connection_ack');
      expect(messages[0]?.payload?.message).toBe('Forbidden');
    }
  });

  it('speaks the legacy subscriptions-transport-ws protocol too', async () => {
    const ws = new WebSocket(wsUrl(), 'graphql-ws');
    const messages: { type: string; payload?: unknown }[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m)) as { type: string }));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { token } }));
    const waitFor = async (type: string) => {
      for (let i = 0; i < 100 && !messages.some((m) => m.type === type); i++) await new Promise((r) => setTimeout(r, 50));
      return messages.find((m) => m.type === type);
    };
    expect(await waitFor('connection_ack')).toBeDefined();
    ws.send(JSON.stringify({ id: '1', type: 'start', payload: { query: SUBSCRIPTION } }));
    await new Promise((r) => setTimeout(r, 200));
    await s.gql('mutation { createCategory(input: { name: "Legacy live" }) { id } }', {}, token);
    const data = (await waitFor('data')) as { payload: { data: { catalogueChanged: { entity: string; change: string } } } } | undefined;
    expect(data?.payload.data.catalogueChanged).toMatchObject({ entity: 'Category', change: 'CREATED' });
    ws.close();
  });
});
