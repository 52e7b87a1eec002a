import type { TestServer } from './server.js';
import { uploadFiles } from './upload.js';

const CREATE = `mutation($name: String!, $files: [Upload!]!, $kind: ArtefactKind) {
  createBatch(name: $name, files: $files, kind: $kind) { batch { id } files { artefact { id } } }
}`;

/** A new batch of one file, not started yet: its global id and the artefact's. */
export async function batchOf(s: TestServer, token: string, name: string, data: Buffer, kind: 'MM' | 'HF'): Promise<{ batchId: string; artefactId: string }> {
  const r = await uploadFiles(s.url, token, CREATE, { name, kind }, [{ name, data }]);
  const created = (r.body.data as { createBatch: { batch: { id: string }; files: { artefact: { id: string } }[] } }).createBatch;
  return { batchId: created.batch.id, artefactId: created.files[0]?.artefact.id as string };
}

/** Polls until `check` holds; real models on a shared 2-core machine get a generous limit. */
export async function until(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Uploads files as one batch (the classifier decides each kind) and processes it to VETTING; the batch's global id. */
export async function processedBatch(s: TestServer, token: string, name: string, files: readonly { name: string; data: Buffer }[]): Promise<string> {
  const r = await uploadFiles(s.url, token, 'mutation($name: String!, $files: [Upload!]!) { createBatch(name: $name, files: $files) { batch { id } } }', { name }, files);
  const batchId = (r.body.data as { createBatch: { batch: { id: string } } }).createBatch.batch.id;
  await s.gql('mutation($id: ID!) { startBatch(batchId: $id) { stage } }', { id: batchId }, token);
  const stage = async () => (await s.gql<{ node: { stage: string } }>('query($id: ID!) { node(id: $id) { ... on Batch { stage } } }', { id: batchId }, token)).body.data?.node.stage;
  await until(async () => (await stage()) === 'VETTING');
  return batchId;
}
