import { openAsBlob } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { LocalFile } from './files.js';

/** A refusal from the server, or no answer at all (`UNREACHABLE`), with its code. */
export class ServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

interface GraphqlBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The archive's GraphQL API over HTTP (queries, mutations, multipart uploads) and WebSocket (subscriptions). */
export class ArchaiveClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /** Signs in with a username or email and password; the session's bearer token. */
  static async signIn(url: string, identifier: string, password: string): Promise<ArchaiveClient> {
    const anonymous = new ArchaiveClient(url, '');
    const data = await anonymous.request<{ signIn: { token: string } }>(
      'mutation($identifier: String!, $password: String!) { signIn(identifier: $identifier, password: $password) { token } }',
      { identifier, password },
    );
    return new ArchaiveClient(url, data.signIn.token);
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return this.send<T>({ 'content-type': 'application/json' }, JSON.stringify({ query, variables }));
  }

  /**
   * A mutation with the files as the GraphQL multipart request's `files` variable; each file is
   * read from disk as the request is sent, never whole into memory.
   */
  async upload<T>(query: string, variables: Record<string, unknown>, files: readonly LocalFile[]): Promise<T> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables: { ...variables, files: files.map(() => null) } }));
    form.append('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
    for (const [i, f] of files.entries()) form.append(String(i), await openAsBlob(f.path), f.uploadName);
    return this.send<T>({}, form);
  }

  /** A WebSocket client for subscriptions, signed in with the same token. */
  subscriptions(): Client {
    return createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { token: this.token },
      retryAttempts: 5,
      lazy: true,
    });
  }

  private async send<T>(headers: Record<string, string>, body: string | FormData): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/graphql`, {
        method: 'POST',
        headers: { ...headers, ...(this.token === '' ? {} : { authorization: `Bearer ${this.token}` }) },
        body,
      });
    } catch (error) {
      throw new ServerError('UNREACHABLE', `No answer from ${this.url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
    }
    const text = await res.text();
    let parsed: GraphqlBody<T>;
    try {
      parsed = JSON.parse(text) as GraphqlBody<T>;
    } catch {
      throw new ServerError('UNREACHABLE', `${this.url} answered HTTP ${res.status} without GraphQL: ${text.slice(0, 200)}`);
    }
    const first = parsed.errors?.[0];
    if (first !== undefined) throw new ServerError(first.extensions?.code ?? 'INTERNAL', first.message);
    if (parsed.data == null) throw new ServerError('INTERNAL', `${this.url} answered HTTP ${res.status} without data`);
    return parsed.data;
  }
}
