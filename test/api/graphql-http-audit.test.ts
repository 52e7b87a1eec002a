import { auditServer, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

/** How many audits of one requirement level passed, of how many. */
const passed = (results: AuditResult[], level: 'MUST' | 'SHOULD' | 'MAY') => {
  const of = results.filter((r) => r.name.startsWith(`${level} `));
  return { ok: of.filter((r) => r.status === 'ok').length, total: of.length };
};

describe('GraphQL-over-HTTP conformance (the graphql-http audit suite against the server)', () => {
  let s: TestServer;
  let results: AuditResult[];
  beforeAll(async () => {
    s = await startServer();
    results = await auditServer({ url: `${s.url}/graphql` });
  });
  afterAll(() => s.close());

  it('passes every MUST, SHOULD and MAY audit', () => {
    const failing = results.filter((r) => r.status !== 'ok').map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(passed(results, 'MUST'), failing.join('\n')).toEqual({ ok: 13, total: 13 });
    expect(passed(results, 'SHOULD'), failing.join('\n')).toEqual({ ok: 23, total: 23 });
    expect(passed(results, 'MAY'), failing.join('\n')).toEqual({ ok: 25, total: 25 });
  });
});
