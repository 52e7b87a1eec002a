import { makeExecutableSchema } from '@graphql-tools/schema';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { resolvers } from '../../resolvers/index.js';
import { projectRoot } from './project-root.js';

/** The executable schema: the SDL contract in schema/*.graphql joined to the resolvers. */
export function buildSchema(): GraphQLSchema {
  const dir = path.join(projectRoot(), 'schema');
  const typeDefs = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
  return makeExecutableSchema({ typeDefs, resolvers });
}
