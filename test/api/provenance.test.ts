import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processedBatch } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

type Photo = {
  id: string;
  kind: string;
  kindSource: string;
  kindConfidence: number;
  faces: { detectorScore: number }[];
  banner: { value: string } | null;
  traces: { nodes: { reports: { nodes: { source: string; data: { classifier?: Record<string, number> } | null }[] } }[] };
};

let s: TestServer;
let token: string;
let photo: Photo;

beforeAll(async () => {
  s = await startServer();
  token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  // No kind given: the classifier decides, and the face check settles its unsure page verdict.
  const batchId = await processedBatch(s, token, 'provenance', [{ name: 'panel-photo.png', data: readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')) }]);
  const r = await s.gql<{ artefacts: { nodes: Photo[] } }>(
    `query($b: ID!) { artefacts(filter: { batchId: $b }) { nodes { id kind kindSource kindConfidence faces { detectorScore }
      banner: field(name: BANNER_TEXT) { value } traces(first: 1) { nodes { reports(first: 100) { nodes { source data } } } } } } }`,
    { b: batchId },
    token,
  );
  photo = r.body.data?.artefacts.nodes[0] as Photo;
}, 240_000);
afterAll(() => s.close());

describe('provenance that says what happened', () => {
  it('records the face check as the decider, with the confidence of its decision', () => {
    const check = photo.traces.nodes[0]?.reports.nodes.find((n) => n.source === 'classify.faces');
    // The classifier leaned to "page"; faces overruled it.
    expect(check?.data?.classifier?.MM).toBeGreaterThan(0.5);
    expect(photo).toMatchObject({ kind: 'HF', kindSource: 'FACE_CHECK' });
    expect(photo.kindConfidence).toBe(Math.max(...photo.faces.map((f) => f.detectorScore)));
    expect(photo.kindConfidence).toBeGreaterThan(0.5);
  });

  it('stores banner text in the script it was written in, and finds it in either', async () => {
    // The banner is Simplified: 联合早报 (Traditional 聯合早報).
    expect(photo.banner?.value).toContain('联合早报');
    expect(photo.banner?.value).not.toContain('聯合早報');
    for (const search of ['联合早报', '聯合早報']) {
      const r = await s.gql<{ artefacts: { nodes: { id: string }[] } }>('query($q: String!) { artefacts(filter: { search: $q }) { nodes { id } } }', { q: search }, token);
      expect(r.body.data?.artefacts.nodes.map((n) => n.id), search).toEqual([photo.id]);
    }
  });
});
