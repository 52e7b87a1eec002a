import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { SUPERUSER } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { uploadFiles } from '../support/upload.js';

const ENV = { SUPERUSER_USERNAME: SUPERUSER.username, SUPERUSER_EMAIL: SUPERUSER.email, SUPERUSER_PASSWORD: SUPERUSER.password, LOG_LEVEL: 'info' };
const PHOTO = readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png'));

interface Entry {
  id: string;
  batchEntry: { status: string; step: string | null; reprocessSteps: string[] };
  traces: { nodes: { outcome: string | null; finishedAt: string | null }[] };
}
interface BatchState {
  id: string;
  name: string;
  stage: string;
  artefacts: { nodes: Entry[] };
}

const STATE = `{ batches(first: 20) { nodes { id name stage artefacts(first: 5) { nodes {
  id batchEntry { status step reprocessSteps } traces(first: 10) { nodes { outcome finishedAt } }
} } } } }`;

/**
 * The real server in a child process, killed with SIGKILL at each step of the batch state machine
 * and started again over the same DATA_DIR: every batch must finish all the same.
 */
describe('crashes', { timeout: 600_000 }, () => {
  it('every batch finishes after a crash at any step, and the runs cut off are traced as interrupted', async () => {
    let server: ServerProcess = await startServerProcess(ENV);
    const dataDir = server.dataDir;
    const crashes: string[] = [];
    try {
      const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { data?: T; errors?: unknown[] };
        if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
        return body.data as T;
      };
      let token: string | undefined;
      // Sessions live in the database: the token outlives the crashes.
      token = (await gql<{ signIn: { token: string } }>('mutation($u: String!, $p: String!) { signIn(identifier: $u, password: $p) { token } }', { u: SUPERUSER.username, p: SUPERUSER.password })).signIn.token;
      const create = async (name: string, files: number): Promise<string> => {
        const r = await uploadFiles(server.url, token as string, 'mutation($name: String!, $files: [Upload!]!) { createBatch(name: $name, files: $files, kind: HF) { batch { id } } }', { name }, Array.from({ length: files }, (_, i) => ({ name: `photo-${i}.png`, data: PHOTO })));
        return (r.body.data as { createBatch: { batch: { id: string } } }).createBatch.batch.id;
      };
      const start = (id: string) => gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: id });
      const batches = async () => (await gql<{ batches: { nodes: BatchState[] } }>(STATE)).batches.nodes;
      const batch = async (id: string) => (await batches()).find((b) => b.id === id) as BatchState;
      const restart = async (at: string) => {
        crashes.push(at);
        await server.crash();
        server = await startServerProcess(ENV, dataDir);
      };
      /** Polls until `when` holds, then kills the server at once. */
      const crashWhen = async (at: string, when: (all: BatchState[]) => boolean) => {
        await until(async () => when(await batches()), 300_000);
        await restart(at);
      };

      const pending = await create('Never started', 1);
      const stepped = await create('Crashed at each step', 3);
      const waiting = await create('Queued behind it', 1);
      await start(stepped);
      await start(waiting);
      // WORKERS=1: one artefact at a time, so `waiting` stays QUEUED while `stepped` runs. Each
      // crash sends the running artefact back to the queue, and the next run is caught at a later
      // step (or, when a step went by between two looks, at the first one after it).
      const order = ['queued', 'faces.decode', 'faces.detect', 'faces.embed', 'faces.headshots', 'ocr', 'store', 'language'];
      for (const from of ['queued', 'faces.detect', 'faces.embed', 'ocr', 'store']) {
        await crashWhen(`processing at ${from}`, (all) => {
          const b = all.find((x) => x.id === stepped) as BatchState;
          const running = b.artefacts.nodes.some((a) => a.batchEntry.status === 'PROCESSING' && order.indexOf(a.batchEntry.step ?? '') >= order.indexOf(from));
          return running || b.stage !== 'PROCESSING';
        });
      }

      // The defect as found: cancelled while an artefact runs, killed at once.
      const cancelled = await create('Cancelled, then crashed', 2);
      await start(cancelled);
      await until(async () => (await batch(cancelled)).artefacts.nodes.some((a) => a.batchEntry.status === 'PROCESSING'), 300_000);
      await gql('mutation($b: ID!) { cancelBatch(batchId: $b) { stage } }', { b: cancelled });
      await restart('just after cancelBatch');
      const afterCancel = await batch(cancelled);
      expect(afterCancel.stage).toBe('CANCELLED');
      expect(afterCancel.artefacts.nodes.map((a) => a.batchEntry.status)).not.toContain('PROCESSING');

      // A reprocessing cut off.
      await until(async () => (await batch(stepped)).stage === 'VETTING', 300_000);
      const reprocessed = (await batch(stepped)).artefacts.nodes[0]?.id as string;
      await gql('mutation($ids: [ID!]!) { reprocessArtefacts(artefactIds: $ids, steps: [FACES]) { status } }', { ids: [reprocessed] });
      await crashWhen('reprocessing', (all) => {
        const entry = all.find((x) => x.id === stepped)?.artefacts.nodes.find((a) => a.id === reprocessed)?.batchEntry;
        return entry?.step !== 'done' || entry.reprocessSteps.length === 0;
      });

      // An integration cut off.
      await until(async () => (await batch(waiting)).stage === 'VETTING', 300_000);
      const confirmed = (await batch(waiting)).artefacts.nodes[0]?.id as string;
      await gql('mutation($b: ID!, $a: ID!) { confirmBatchArtefact(batchId: $b, artefactId: $a) { id } }', { b: waiting, a: confirmed });
      await gql('mutation($b: ID!) { startIntegration(batchId: $b) { stage } }', { b: waiting });
      await restart('just after startIntegration');

      // Whatever was cut off, every batch now goes to its end.
      await start(pending);
      await start(cancelled);
      await until(async () => {
        const all = await batches();
        return (
          all.every((b) => ['VETTING', 'COMPLETED'].includes(b.stage)) &&
          all.flatMap((b) => b.artefacts.nodes).every((a) => a.batchEntry.reprocessSteps.length === 0 && a.batchEntry.step !== 'reprocessing')
        );
      }, 300_000);
      const end = await batches();
      expect(Object.fromEntries(end.map((b) => [b.name, b.stage]))).toEqual({
        'Never started': 'VETTING',
        'Crashed at each step': 'VETTING',
        'Queued behind it': 'COMPLETED',
        'Cancelled, then crashed': 'VETTING',
      });
      for (const b of end) {
        const expected = b.id === waiting ? 'CONFIRMED' : 'PROCESSED';
        expect(b.artefacts.nodes.map((a) => a.batchEntry.status), b.name).toEqual(b.artefacts.nodes.map(() => expected));
      }
      // No trace is left open; the runs the crashes cut off are closed as interrupted, and the
      // reprocessed artefact's cut-off run was done again.
      const traces = (await gql<{ traces: { nodes: { purpose: string; outcome: string | null; finishedAt: string | null }[] } }>('{ traces(first: 100) { nodes { purpose outcome finishedAt } } }')).traces.nodes;
      expect(traces.filter((t) => t.finishedAt === null)).toEqual([]);
      expect(traces.filter((t) => t.outcome === 'interrupted').length, crashes.join(', ')).toBeGreaterThanOrEqual(3);
      const again = end.find((b) => b.id === stepped)?.artefacts.nodes.find((a) => a.id === reprocessed)?.traces.nodes.map((t) => t.outcome) ?? [];
      expect(again.at(-1)).toBe('ok');
      expect(again.length).toBeGreaterThanOrEqual(2);
    } finally {
      await server.stop();
    }
  });
});
