import { BREAK, Kind, TypeInfo, parse, visit, visitWithTypeInfo, type GraphQLSchema } from 'graphql';
import type { CacheTable } from '../cache/read-cache.js';

/** Everything a list of artefacts can be filtered and ordered by. */
const ARTEFACT_LIST: readonly CacheTable[] = ['artefacts', 'fields', 'categories', 'books', 'figures', 'batches'];

const plain = (...names: string[]): Record<string, readonly CacheTable[]> => Object.fromEntries(names.map((n) => [n, []]));
const connection = plain('edges', 'nodes', 'pageInfo', 'totalCount');
const edge = plain('cursor', 'node');

/**
 * The fields a shared whole response may hold, each with the tables it reads beyond its parent's.
 * Only catalogue reads, which are the same for every signed-in user, and values that the table
 * invalidations cover (a batch's name, never its stage or counts). A field not listed here
 * (users, traces, history, batch progress, node lookups) makes the response uncacheable.
 */
const CACHEABLE: Readonly<Record<string, Readonly<Record<string, readonly CacheTable[]>>>> = {
  Query: { artefacts: ARTEFACT_LIST, categories: ['categories'], books: ['books'], figures: ['figures'] },
  ArtefactConnection: connection,
  CategoryConnection: connection,
  BookConnection: connection,
  FigureConnection: connection,
  ArtefactEdge: edge,
  CategoryEdge: edge,
  BookEdge: edge,
  FigureEdge: edge,
  PageInfo: plain('hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor'),
  Artefact: {
    ...plain('id', 'kind', 'kindSource', 'kindConfidence', 'name', 'originalFilename', 'image', 'createdAt', 'updatedAt'),
    field: ['fields'],
    fields: ['fields'],
    batch: ['batches'],
    categories: ['categories'],
    books: ['books'],
    figures: ['figures'],
    faces: ['figures'],
  },
  Image: plain('mime', 'width', 'height', 'bytes', 'url', 'thumbnailUrl'),
  FieldValue: plain('name', 'value', 'origin', 'step', 'model', 'confidence', 'version', 'current', 'createdAt'),
  CategoryMembership: { ...plain('reason', 'placedBy', 'model', 'addedAt'), category: ['categories'] },
  BookMembership: { position: [], book: ['books'] },
  Batch: plain('id', 'name'),
  Category: { ...plain('id', 'name', 'description', 'createdAt', 'updatedAt'), memberCount: ['categories'], members: ARTEFACT_LIST },
  Book: { ...plain('id', 'title', 'subtitle', 'createdAt', 'updatedAt'), pages: ARTEFACT_LIST },
  Figure: { ...plain('id', 'label', 'named', 'origin', 'createdAt', 'updatedAt'), faces: ['figures'], artefacts: ARTEFACT_LIST },
  Face: {
    ...plain('id', 'box', 'detectorScore', 'quality', 'assignment', 'similarity', 'createdAt'),
    artefact: ['artefacts'],
    figure: ['figures'],
    suggestedFigure: ['figures'],
  },
  Box: plain('x', 'y', 'w', 'h'),
};

/**
 * The tables a query's whole response depends on, or null when it may not be shared: anything but
 * a query, a field not in CACHEABLE, or text that does not parse.
 */
export function cacheTables(schema: GraphQLSchema, query: string): CacheTable[] | null {
  let document;
  try {
    document = parse(query);
  } catch {
    return null;
  }
  if (document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation !== 'query')) return null;
  const tables = new Set<CacheTable>();
  let cacheable = true;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const name = node.name.value;
        if (name === '__typename') return undefined;
        const fields = CACHEABLE[typeInfo.getParentType()?.name ?? ''];
        const reads = fields !== undefined && Object.hasOwn(fields, name) ? fields[name] : undefined;
        if (reads === undefined) {
          cacheable = false;
          return BREAK;
        }
        for (const t of reads) tables.add(t);
        return undefined;
      },
    }),
  );
  return cacheable ? [...tables] : null;
}
