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
