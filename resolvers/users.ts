import type { IResolvers } from '@graphql-tools/utils';
import type { AuditEntry } from '../src/store/repositories/audit.js';
import type { Role, User } from '../src/store/repositories/users.js';
import { pageArgs, toConnection, type ConnectionArgs } from './connection.js';
import type { Context } from './context.js';
import { localId, optionalLocalId, parseGlobalId, toGlobalId, type NodeType } from './ids.js';
import { withUpload, type UploadPromise } from './upload.js';

export const userResolvers: IResolvers<unknown, Context> = {
  User: {
    id: (u: User) => toGlobalId('User', u.id),
    email: (u: User, _a, ctx) => ctx.services.users.privateDetails(ctx.viewer, u)?.email ?? null,
    contact: (u: User, _a, ctx) => ctx.services.users.privateDetails(ctx.viewer, u)?.contact ?? null,
    lastSignInAt: (u: User, _a, ctx) => ctx.services.users.privateDetails(ctx.viewer, u)?.lastSignInAt ?? null,
    mustChangePassword: (u: User, _a, ctx) => ctx.services.users.privateDetails(ctx.viewer, u)?.mustChangePassword ?? null,
    avatar: (u: User, _a, ctx) => ctx.services.users.avatar(u),
    sessions: (u: User, _a, ctx) => ctx.services.users.sessions(ctx.viewer, u),
    auditLog: (u: User, args: ConnectionArgs, ctx) => {
      const l = ctx.services.users.auditLog(ctx.viewer, u, pageArgs(args));
      return l === null ? null : toConnection(l.page, l.count);
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
      const l = ctx.services.users.page(ctx.viewer, pageArgs(args), args.filter ?? {});
      return toConnection(l.page, l.count);
    },
    auditLog: (
      _p,
      args: ConnectionArgs & {
        filter?: { actorId?: string | null; action?: string | null; targetId?: string | null; after?: string | null; before?: string | null } | null;
        direction?: 'ASC' | 'DESC' | null;
      },
      ctx,
    ) => {
      const f = args.filter ?? {};
      const filter = {
        actorId: optionalLocalId(f.actorId, 'User', 'filter.actorId'),
        action: f.action ?? null,
        targetId: f.targetId == null ? null : (parseGlobalId(f.targetId)?.id ?? f.targetId),
        after: f.after ?? null,
        before: f.before ?? null,
      };
      const l = ctx.services.audit.entries(ctx.viewer, pageArgs(args), filter, args.direction === 'DESC');
      return toConnection(l.page, l.count);
    },
  },
  Mutation: {
    signIn: async (_p, args: { identifier: string; password: string }, ctx) => {
      const r = await ctx.services.auth.signIn(args.identifier, args.password, ctx.client);
      ctx.cookies?.set(r.token, r.csrfToken, r.session.expiresAt);
      // The rest of the operation is the signed-in user's: the payload shows them their own email.
      ctx.viewer = { user: r.user, session: r.session, via: ctx.cookies === undefined ? 'bearer' : 'cookie' };
      return { token: r.token, csrfToken: r.csrfToken, expiresAt: r.session.expiresAt, user: r.user };
    },
    signOut: (_p, _a, ctx) => {
      ctx.services.auth.signOut(ctx.viewer);
      ctx.cookies?.clear();
      return true;
    },
    createUser: (_p, args: { input: Record<string, unknown> }, ctx) => ctx.services.users.createUser(ctx.viewer, args.input),
    updateUser: (_p, args: { userId: string; input: Record<string, unknown> }, ctx) =>
      ctx.services.users.updateUser(ctx.viewer, localId(args.userId, 'User', 'userId'), args.input),
    deleteUser: (_p, args: { userId: string }, ctx) => {
      ctx.services.users.deleteUser(ctx.viewer, localId(args.userId, 'User', 'userId'));
      return args.userId;
    },
    resetUserPassword: (_p, args: { userId: string }, ctx) => ctx.services.users.resetPassword(ctx.viewer, localId(args.userId, 'User', 'userId')),
    revokeUserSessions: (_p, args: { userId: string }, ctx) => ctx.services.users.revokeSessions(ctx.viewer, localId(args.userId, 'User', 'userId')),
    updateProfile: (_p, args: { input: Record<string, unknown> }, ctx) => ctx.services.users.updateProfile(ctx.viewer, args.input),
    changePassword: (_p, args: { currentPassword: string; newPassword: string }, ctx) =>
      ctx.services.users.changePassword(ctx.viewer, args.currentPassword, args.newPassword),
    uploadProfilePicture: (_p, args: { file: UploadPromise }, ctx) =>
      withUpload(args.file, (receive) => ctx.services.users.setAvatar(ctx.viewer, receive)),
    removeProfilePicture: (_p, _a, ctx) => ctx.services.users.setAvatar(ctx.viewer, null),
    removeUserPicture: (_p, args: { userId: string }, ctx) => ctx.services.users.removePicture(ctx.viewer, localId(args.userId, 'User', 'userId')),
  },
};
