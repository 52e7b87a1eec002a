import { requireViewer, type Viewer } from '../auth/viewer.js';
import type { Mirror, MirrorStatus } from '../mirror/mirror.js';

/** How the Firebase mirror is doing (the superuser only: its errors may name the project). */
export class MirrorStatusService {
  constructor(private readonly mirror: Mirror) {}

  status(viewer: Viewer | null): MirrorStatus {
    requireViewer(viewer, 'SUPERUSER');
    return this.mirror.status();
  }
}
