import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { hasRole, requireViewer, type Viewer } from '../../src/auth/viewer.js';
import type { Role } from '../../src/store/repositories/users.js';

const viewer = (role: Role): Viewer => ({ user: { role } as Viewer['user'], session: {} as Viewer['session'], via: 'bearer' });

const refusal = (fn: () => unknown): { code: string; message: string } | undefined => {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  return undefined;
};

describe('roles', () => {
  it('ranks the superuser above the archivist above the viewer', () => {
    const roles: Role[] = ['VIEWER', 'ARCHIVIST', 'SUPERUSER'];
    const table = roles.map((held) => roles.map((needed) => hasRole({ role: held }, needed)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });

  it('refuses no viewer with UNAUTHENTICATED and a lower role with FORBIDDEN, naming the role', () => {
    expect(refusal(() => requireViewer(null))).toEqual({ code: 'UNAUTHENTICATED', message: 'Sign in first' });
    expect(refusal(() => requireViewer(null, 'VIEWER'))?.code).toBe('UNAUTHENTICATED');
    expect(refusal(() => requireViewer(viewer('VIEWER'), 'ARCHIVIST'))).toEqual({ code: 'FORBIDDEN', message: 'This needs the archivist role' });
    expect(refusal(() => requireViewer(viewer('ARCHIVIST'), 'SUPERUSER'))).toEqual({ code: 'FORBIDDEN', message: 'This needs the superuser role' });
    const archivist = viewer('ARCHIVIST');
    expect(requireViewer(archivist, 'ARCHIVIST')).toBe(archivist);
    expect(requireViewer(archivist)).toBe(archivist);
  });
});
