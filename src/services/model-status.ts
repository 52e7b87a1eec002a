import type { ModelRecord } from '../store/repositories/model-records.js';
import type { Store } from '../store/store.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

/** Every model the server knows, with its last verification (any signed-in user). */
export class ModelStatusService {
  constructor(private readonly store: Store) {}

  list(viewer: Viewer | null): ModelRecord[] {
    requireViewer(viewer);
    return this.store.models.list();
  }
}
