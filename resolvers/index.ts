import { mergeResolvers } from '@graphql-tools/merge';
import type { IResolvers } from '@graphql-tools/utils';
import { batchResolvers } from './batches.js';
import { catalogueResolvers } from './catalogue.js';
import { connectionResolvers } from './connection.js';
import type { Context } from './context.js';
import { enumResolvers } from './enums.js';
import { exportResolvers } from './exports.js';
import { languageResolvers } from './language.js';
import { mirrorResolvers } from './mirror.js';
import { nodeResolvers } from './node.js';
import { scalarResolvers } from './scalars.js';
import { systemResolvers } from './system.js';
import { traceResolvers } from './traces.js';
import { userResolvers } from './users.js';

export const resolvers: IResolvers<unknown, Context> = mergeResolvers([
  scalarResolvers as IResolvers<unknown, Context>,
  enumResolvers,
  connectionResolvers,
  nodeResolvers,
  userResolvers,
  catalogueResolvers,
  batchResolvers,
  traceResolvers,
  languageResolvers,
  systemResolvers,
  exportResolvers,
  mirrorResolvers,
]);
