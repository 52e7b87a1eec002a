import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer, type Server } from '../../src/server.js';

export const SUPERUSER = { username: 'chief', email: 'chief@example.org', password: 'correct horse battery staple' };

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[] };
}

export interface TestServer extends Server {
  url: string;
  dataDir: string;
  config: Config;
  /** POSTs a GraphQL operation, with a bearer token when given. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<GqlResult<T>>;
  /** Signs in and returns the bearer token. */
  signIn(identifier: string, password: string): Promise<string>;
  /** Creates a user with the role and returns their id, one-time password and a session token. */
  userWithRole(role: 'ARCHIVIST' | 'VIEWER', username: string): Promise<{ id: string; token: string; password: string }>;
  close(): Promise<void>;
  /** Stops the server but keeps DATA_DIR, for a restart over the same data. */
  stop(): Promise<void>;
}

/** A real server on 127.0.0.1, port 0, with its own temporary DATA_DIR. */
export async function startServer(env: Record<string, string> = {}, existingDataDir?: string): Promise<TestServer> {
  const dataDir = existingDataDir ?? mkdtempSync(path.join(tmpdir(), 'archaive-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    SUPERUSER_USERNAME: SUPERUSER.username,
    SUPERUSER_EMAIL: SUPERUSER.email,
    SUPERUSER_PASSWORD: SUPERUSER.password,
    // Tests sign in often from one address; the per-address limit has its own test.
    SIGNIN_RATE_PER_MINUTE: '1000',
    WORKERS: '1',
    ...env,
  });
  const server = await buildServer(config);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  const gql: TestServer['gql'] = async (query, variables, token, headers = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResult['body'] } as GqlResult<never>;
  };

  const signIn = async (identifier: string, password: string): Promise<string> => {
    const r = await gql<{ signIn: { token: string } }>(
      'mutation($i: String!, $p: String!) { signIn(identifier: $i, password: $p) { token } }',
      { i: identifier, p: password },
    );
    const token = r.body.data?.signIn.token;
    if (!token) throw new Error(`sign-in failed: ${JSON.stringify(r.body.errors)}`);
    return token;
  };

  let adminToken: string | undefined;
  const userWithRole: TestServer['userWithRole'] = async (role, username) => {
    adminToken ??= await signIn(SUPERUSER.username, SUPERUSER.password);
    const r = await gql<{ createUser: { user: { id: string }; oneTimePassword: string } }>(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } oneTimePassword } }',
      { input: { username, email: `${username}@example.org`, role } },
      adminToken,
    );
    const created = r.body.data?.createUser;
    if (!created) throw new Error(`createUser failed: ${JSON.stringify(r.body.errors)}`);
    // A one-time password must be replaced before anything else, as its owner would at first sign-in.
    const token = await signIn(username, created.oneTimePassword);
    const password = 'amber lighthouse orchard 71';
    const changed = await gql<{ changePassword: { id: string } }>(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }',
      { c: created.oneTimePassword, n: password },
      token,
    );
    if (!changed.body.data) throw new Error(`changePassword failed: ${JSON.stringify(changed.body.errors)}`);
    return { id: created.user.id, password, token };
  };

  return {
    ...server,
    url,
    dataDir,
    config,
    gql,
    signIn,
    userWithRole,
    close: async () => {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    stop: () => server.app.close(),
  };
}

/** The error code of the first GraphQL error. */
export const codeOf = (r: GqlResult<unknown>): string | undefined => r.body.errors?.[0]?.extensions?.code;
