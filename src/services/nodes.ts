import { requireViewer, type Viewer } from '../auth/viewer.js';

/** A node's type and local id, read from its global id; null when the global id was malformed. */
export type NodeRef = { type: string; id: string } | null;

/**
 * node(id) and nodes(ids): any signed-in user may look up objects by id, including ids that turn
 * out to name nothing. The edge lends its per-request loaders as `load`, so lookups of one type are
 * batched; each loader reads through the service of its type, which checks the viewer again.
 */
export class NodeService {
  async load<T>(viewer: Viewer | null, refs: readonly NodeRef[], load: (ref: { type: string; id: string }) => Promise<T | null>): Promise<(T | null)[]> {
    requireViewer(viewer);
    return Promise.all(refs.map((ref) => (ref === null ? null : load(ref))));
  }
}
