import type { IResolvers } from '@graphql-tools/utils';
import { AppError } from '../src/errors.js';
import type { AuditEntry } from '../src/store/repositories/audit.js';
import type { Role, User } from '../src/store/repositories/users.js';
import { hasRole, requireViewer, type Viewer } from '../src/auth/viewer.js';
import { pageArgs, toConnection, type ConnectionArgs } from './connection.js';
import type { Context } from './context.js';
import { localId, optionalLocalId, parseGlobalId, toGlobalId, type NodeType } from './ids.js';
import { readUpload, type UploadPromise } from './upload.js';

/** The user themself or the superuser may see private details of an account. */
const maySeePrivate = (viewer: Viewer | null, user: User): boolean =>
  viewer !== null && (viewer.user.id === user.id || hasRole(viewer.user, 'SUPERUSER'));

export const userResolvers: IResolvers<unknown, Context> = {
  User: {
    id: (u: User) => toGlobalId('User', u.id),
    email: (u: User, _a, ctx) => (maySeePrivate(ctx.viewer, u) ? u.email : null),
    contact: (u: User, _a, ctx) => (maySeePrivate(ctx.viewer, u) ? u.contact : null),
    avatar: (u: User, _a, ctx) => (u.avatarSha256 === null ? null : ctx.services.store.files.get(u.avatarSha256) ?? null),
    sessions: (u: User, _a, ctx) =>
      maySeePrivate(ctx.viewer, u)
        ? ctx.services.store.sessions.activeForUser(u.id).map((s) => ({ ...s, current: s.id === ctx.viewer?.session.id }))
        : null,
    auditLog: (u: User, args: ConnectionArgs, ctx) => {
      if (!maySeePrivate(ctx.viewer, u)) return null;
      const l = ctx.services.store.audit.page(pageArgs(args), { actorId: u.id });
      return toConnection(l.page, l.count);
    },
  },
  AuditEntry: {
    id: (e: AuditEntry) => String(e.seq),
    actor: (e: AuditEntry, _a, ctx) => (e.actorId === null ? null : ctx.loaders.user.load(e.actorId)),
    targetId: (e: AuditEntry) =>
      e.targetId === null || e.targetType === null ? null : toGlobalId(e.targetType as NodeType, e.targetId),
  },
  Query: {
    me: (_p, _a, ctx) => ctx.viewer?.user ?? null,
    users: (_p, args: ConnectionArgs & { filter?: { role?: Role | null; search?: string | null } | null }, ctx) => {
      requireViewer(ctx.viewer, 'SUPERUSER');
      const l = ctx.services.store.users.page(pageArgs(args), args.filter ?? {});
      return toConnection(l.page, l.count);
    },
    auditLog: (_p, args: ConnectionArgs & { filter?: { actorId?: string | null; action?: string | null; targetId?: string | null } | null }, ctx) => {
      const viewer = requireViewer(ctx.viewer);
      const f = args.filter ?? {};
      const actorId = hasRole(viewer.user, 'SUPERUSER') ? optionalLocalId(f.actorId, 'User', 'filter.actorId') : viewer.user.id;
      const targetId = f.targetId == null ? null : (parseGlobalId(f.targetId)?.id ?? f.targetId);
      const l = ctx.services.store.audit.page(pageArgs(args), { actorId, action: f.action ?? null, targetId });
      return toConnection(l.page, l.count);
    },
  },
  Mutation: {
    signIn: async (_p, args: { identifier: string; password: string }, ctx) => {
      const r = await ctx.services.auth.signIn(args.identifier, args.password, ctx.client);
      ctx.cookies?.set(r.token, r.csrfToken, r.session.expiresAt);
      return { token: r.token, csrfToken: r.csrfToken, expiresAt: r.session.expiresAt, user: r.user };
    },
    signOut: (_p, _a, ctx) => {
      ctx.services.auth.signOut(requireViewer(ctx.viewer));
      ctx.cookies?.clear();
      return true;
    },
    createUser: (_p, args: { input: Record<string, unknown> }, ctx) => ctx.services.users.createUser(ctx.viewer, args.input),
    updateUser: (_p, args: { id: string; input: Record<string, unknown> }, ctx) =>
      ctx.services.users.updateUser(ctx.viewer, localId(args.id, 'User'), args.input),
    deleteUser: (_p, args: { id: string }, ctx) => {
      ctx.services.users.deleteUser(ctx.viewer, localId(args.id, 'User'));
      return args.id;
    },
    resetUserPassword: (_p, args: { id: string }, ctx) => ctx.services.users.resetPassword(ctx.viewer, localId(args.id, 'User')),
    revokeUserSessions: (_p, args: { id: string }, ctx) => ctx.services.users.revokeSessions(ctx.viewer, localId(args.id, 'User')),
    updateProfile: (_p, args: { input: Record<string, unknown> }, ctx) => ctx.services.users.updateProfile(ctx.viewer, args.input),
    changePassword: (_p, args: { currentPassword: string; newPassword: string }, ctx) =>
      ctx.services.users.changePassword(ctx.viewer, args.currentPassword, args.newPassword),
    uploadProfilePicture: async (_p, args: { file: UploadPromise }, ctx) => {
      requireViewer(ctx.viewer);
      const data = await readUpload(args.file, ctx.services.store.files.maxBytes);
      if (data === null) throw new AppError('BAD_USER_INPUT', 'No file was sent', { field: 'file' });
      return ctx.services.users.setAvatar(ctx.viewer, data);
    },
    removeProfilePicture: (_p, _a, ctx) => ctx.services.users.setAvatar(ctx.viewer, null),
  },
};
