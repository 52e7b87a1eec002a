import type { IResolvers } from '@graphql-tools/utils';
import type { ArtefactKind } from '../src/artefact-kind.js';
import type { Artefact, ArtefactFilter, ArtefactOrder, FieldVersion, MetadataField } from '../src/store/repositories/artefacts.js';
import type { Book } from '../src/store/repositories/books.js';
import type { Category, CategoryMembership } from '../src/store/repositories/categories.js';
import type { FigureChange } from '../src/store/repositories/figure-changes.js';
import type { Face, Figure } from '../src/store/repositories/figures.js';
import type { StoredFile } from '../src/store/files.js';
import type { OverlayKind } from '../src/services/overlays.js';
import { CREATION_ORDER, type ListOrder } from '../src/store/pagination.js';
import { pageArgs, toConnection, type ConnectionArgs } from './connection.js';
import { withUpload, type UploadPromise } from './upload.js';
import type { Context } from './context.js';
import { localId, optionalLocalId, toGlobalId, type NodeType } from './ids.js';

/** A stored file, with the name it is saved under when it has one (an artefact's original file name). */
type ImageSource = Pick<StoredFile, 'sha256' | 'mime' | 'width' | 'height' | 'bytes'> & { name?: string | null };

const THUMBNAIL_PIXELS: Readonly<Record<string, number>> = { S128: 128, S256: 256, S512: 512, S1024: 1024 };

const fieldValue = (f: FieldVersion) => ({ ...f, name: f.field, current: f.isCurrent });

/** The filter as it arrives: the same fields, with global ids. */
type ArtefactFilterInput = ArtefactFilter;

const DEFAULT_ORDER: ArtefactOrder = { by: 'CREATED', direction: 'ASC' };

const toFilter = (f: ArtefactFilterInput | null | undefined): ArtefactFilter => ({
  kind: f?.kind ?? null,
  batchId: optionalLocalId(f?.batchId, 'Batch', 'filter.batchId'),
  categoryId: optionalLocalId(f?.categoryId, 'Category', 'filter.categoryId'),
  bookId: optionalLocalId(f?.bookId, 'Book', 'filter.bookId'),
  figureId: optionalLocalId(f?.figureId, 'Figure', 'filter.figureId'),
  search: f?.search ?? null,
  createdAfter: f?.createdAfter ?? null,
  createdBefore: f?.createdBefore ?? null,
  origin: f?.origin ?? null,
  batchStage: f?.batchStage ?? null,
  needsReview: f?.needsReview ?? null,
});

/** A page of artefacts as a connection; shared by every list of artefacts in the schema. */
export async function artefactConnection(ctx: Context, args: ConnectionArgs & { orderBy?: ArtefactOrder | null }, filter: ArtefactFilter) {
  const page = await ctx.services.reads.artefactPage(ctx.viewer, { args: pageArgs(args), filter, order: args.orderBy ?? DEFAULT_ORDER });
  return toConnection(page, () => ctx.services.reads.artefactCount(ctx.viewer, filter));
}

const id = (type: NodeType) => (o: { id: string }) => toGlobalId(type, o.id);

export const catalogueResolvers: IResolvers<unknown, Context> = {
  Image: {
    url: (i: ImageSource, _args, ctx) => ctx.links.file(`/files/${i.sha256}`, i.name ? { name: i.name } : {}),
    thumbnailUrl: (i: ImageSource, args: { size: string }, ctx) => ctx.links.file(`/files/${i.sha256}/thumbnail/${THUMBNAIL_PIXELS[args.size] ?? 256}`),
  },
  Artefact: {
    id: id('Artefact'),
    image: (a: Artefact): ImageSource => ({ sha256: a.fileSha256, mime: a.mime, width: a.width, height: a.height, bytes: a.bytes, name: a.originalFilename }),
    createdBy: (a: Artefact, _args, ctx) => (a.createdBy === null ? null : ctx.loaders.user.load(a.createdBy)),
    field: async (a: Artefact, args: { name: MetadataField }, ctx) => {
      const f = await ctx.loaders.field.load({ artefactId: a.id, field: args.name });
      return f === null ? null : fieldValue(f);
    },
    fields: async (a: Artefact, _args, ctx) => (await ctx.loaders.fields.load(a.id)).map(fieldValue),
    fieldHistory: (a: Artefact, args: { name: string }, ctx) =>
      ctx.services.artefacts.fieldHistory(ctx.viewer, a.id, args.name as FieldVersion['field']).map(fieldValue),
    batchEntry: (a: Artefact, _args, ctx) => ctx.loaders.batchEntry.load(a.id),
    batch: async (a: Artefact, _args, ctx) => {
      const entry = await ctx.loaders.batchEntry.load(a.id);
      return entry === null ? null : ctx.loaders.batch.load(entry.batchId);
    },
    categories: (a: Artefact, _args, ctx) => ctx.loaders.categoryMemberships.load(a.id),
    books: (a: Artefact, _args, ctx) => ctx.loaders.bookMemberships.load(a.id),
    figures: (a: Artefact, _args, ctx) => ctx.loaders.figuresIn.load(a.id),
    faces: (a: Artefact, _args, ctx) => ctx.loaders.facesOfArtefact.load(a.id),
    overlayUrl: (a: Artefact, args: { kind: OverlayKind }, ctx) =>
      ctx.services.overlays.applies(a, args.kind) ? ctx.links.file(`/artefacts/${a.id}/overlay/${args.kind.toLowerCase()}`) : null,
    traces: (a: Artefact, args: ConnectionArgs, ctx) => {
      const l = ctx.services.traces.page(ctx.viewer, pageArgs(args), { artefactId: a.id, batchId: null });
      return toConnection(l.page, l.count);
    },
  },
  FieldValue: {
    author: (f: FieldVersion, _args, ctx) => (f.authorId === null ? null : ctx.loaders.user.load(f.authorId)),
  },
  CategoryMembership: {
    category: (m: CategoryMembership, _args, ctx) => ctx.loaders.category.load(m.categoryId),
    placedByUser: (m: CategoryMembership, _args, ctx) => (m.userId === null ? null : ctx.loaders.user.load(m.userId)),
  },
  BookMembership: {
    book: (m: { bookId: string }, _args, ctx) => ctx.loaders.book.load(m.bookId),
  },
  Category: {
    id: id('Category'),
    memberCount: (c: Category, _args, ctx) => ctx.loaders.categoryMemberCount.load(c.id),
    members: (c: Category, args: ConnectionArgs, ctx) => artefactConnection(ctx, args, { categoryId: c.id }),
  },
  Book: {
    id: id('Book'),
    pages: async (b: Book, args: ConnectionArgs, ctx) => {
      const { page, total } = await ctx.services.reads.bookMembers(ctx.viewer, { bookId: b.id, args: pageArgs(args) });
      const artefacts = await ctx.loaders.artefact.loadMany(page.items);
      const items = artefacts.filter((a): a is Artefact => a !== null && !(a instanceof Error));
      return toConnection({ ...page, items }, () => total);
    },
  },
  Figure: {
    id: id('Figure'),
    named: (f: Figure) => f.label !== null,
    headshot: (f: Figure, _args, ctx) => ctx.services.figures.headshot(ctx.viewer, f),
    faces: (f: Figure, _args, ctx) => ctx.loaders.facesOfFigure.load(f.id),
    artefacts: (f: Figure, args: ConnectionArgs, ctx) => artefactConnection(ctx, args, { figureId: f.id }),
    changes: (f: Figure, args: ConnectionArgs, ctx) => {
      const l = ctx.services.figures.changesOf(ctx.viewer, f.id, pageArgs(args));
      return toConnection(l.page, l.count);
    },
  },
  Face: {
    id: id('Face'),
    artefact: (f: Face, _args, ctx) => (f.artefactId === null ? null : ctx.loaders.artefact.load(f.artefactId)),
    figure: (f: Face, _args, ctx) => (f.figureId === null ? null : ctx.loaders.figure.load(f.figureId)),
    suggestedFigure: (f: Face, _args, ctx) => (f.suggestedFigureId === null ? null : ctx.loaders.figure.load(f.suggestedFigureId)),
    untagged: (f: Face, _args, ctx) => ctx.services.figures.untagged(f),
    cropUrl: (f: Face, _args, ctx) => ctx.links.file(`/faces/${f.id}/crop`),
  },
  FigureChange: {
    id: id('FigureChange'),
    actor: (c: FigureChange, _args, ctx) => (c.actorId === null ? null : ctx.loaders.user.load(c.actorId)),
    faces: async (c: FigureChange, _args, ctx) => {
      const faces = await ctx.loaders.face.loadMany([...new Set(c.steps.flatMap((s) => (s.type === 'face' ? [s.faceId] : [])))]);
      return faces.filter((f): f is Face => f !== null && !(f instanceof Error));
    },
    undone: (c: FigureChange) => c.undoneAt !== null,
    undoneBy: (c: FigureChange, _args, ctx) => (c.undoneBy === null ? null : ctx.loaders.user.load(c.undoneBy)),
  },
  CatalogueChange: {
    id: (c: { entity: NodeType; id: string }) => toGlobalId(c.entity, c.id),
  },
  Query: {
    artefacts: (_p, args: ConnectionArgs & { filter?: ArtefactFilterInput | null; orderBy?: ArtefactOrder | null }, ctx) =>
      artefactConnection(ctx, args, toFilter(args.filter)),
    categories: async (_p, args: ConnectionArgs & { search?: string | null; orderBy?: ListOrder | null }, ctx) => {
      const { page, total } = await ctx.services.reads.categoryPage(ctx.viewer, { args: pageArgs(args), search: args.search ?? null, order: args.orderBy ?? CREATION_ORDER });
      return toConnection(page, () => total);
    },
    books: async (_p, args: ConnectionArgs & { search?: string | null; orderBy?: ListOrder | null }, ctx) => {
      const { page, total } = await ctx.services.reads.bookPage(ctx.viewer, { args: pageArgs(args), search: args.search ?? null, order: args.orderBy ?? CREATION_ORDER });
      return toConnection(page, () => total);
    },
    figures: async (_p, args: ConnectionArgs & { named?: boolean | null; search?: string | null; orderBy?: ListOrder | null }, ctx) => {
      const { page, total } = await ctx.services.reads.figurePage(ctx.viewer, {
        args: pageArgs(args),
        named: args.named ?? null,
        search: args.search ?? null,
        order: args.orderBy ?? CREATION_ORDER,
      });
      return toConnection(page, () => total);
    },
    figureChanges: (_p, args: ConnectionArgs & { figureId?: string | null }, ctx) => {
      const l = ctx.services.figures.changesOf(ctx.viewer, optionalLocalId(args.figureId, 'Figure', 'figureId'), pageArgs(args));
      return toConnection(l.page, l.count);
    },
  },
  Mutation: {
    updateArtefact: (_p, a: { artefactId: string; input: Record<string, unknown> }, ctx) =>
      ctx.services.artefacts.edit(ctx.viewer, localId(a.artefactId, 'Artefact', 'artefactId'), a.input),
    deleteArtefact: async (_p, a: { artefactId: string }, ctx) => {
      await ctx.services.artefacts.delete(ctx.viewer, localId(a.artefactId, 'Artefact', 'artefactId'));
      return a.artefactId;
    },
    createCategory: (_p, a: { input: unknown }, ctx) => ctx.services.collections.createCategory(ctx.viewer, a.input),
    updateCategory: (_p, a: { categoryId: string; input: unknown }, ctx) =>
      ctx.services.collections.updateCategory(ctx.viewer, localId(a.categoryId, 'Category', 'categoryId'), a.input),
    deleteCategory: async (_p, a: { categoryId: string }, ctx) => {
      await ctx.services.collections.deleteCategory(ctx.viewer, localId(a.categoryId, 'Category', 'categoryId'));
      return a.categoryId;
    },
    setCategoryMember: (_p, a: { categoryId: string; artefactId: string; member: boolean; reason?: string | null }, ctx) =>
      ctx.services.collections.setCategoryMember(
        ctx.viewer,
        localId(a.categoryId, 'Category', 'categoryId'),
        localId(a.artefactId, 'Artefact', 'artefactId'),
        a.member,
        a.reason ?? null,
      ),
    createBook: (_p, a: { input: unknown }, ctx) => ctx.services.collections.createBook(ctx.viewer, a.input),
    updateBook: (_p, a: { bookId: string; input: unknown }, ctx) =>
      ctx.services.collections.updateBook(ctx.viewer, localId(a.bookId, 'Book', 'bookId'), a.input),
    deleteBook: async (_p, a: { bookId: string }, ctx) => {
      await ctx.services.collections.deleteBook(ctx.viewer, localId(a.bookId, 'Book', 'bookId'));
      return a.bookId;
    },
    placeInBook: (_p, a: { bookId: string; artefactId: string; position?: number | null }, ctx) =>
      ctx.services.collections.placeInBook(
        ctx.viewer,
        localId(a.bookId, 'Book', 'bookId'),
        localId(a.artefactId, 'Artefact', 'artefactId'),
        a.position ?? null,
      ),
    removeFromBook: (_p, a: { bookId: string; artefactId: string }, ctx) =>
      ctx.services.collections.removeFromBook(ctx.viewer, localId(a.bookId, 'Book', 'bookId'), localId(a.artefactId, 'Artefact', 'artefactId')),
    labelFigure: (_p, a: { figureId: string; label?: string | null }, ctx) =>
      ctx.services.figures.label(ctx.viewer, localId(a.figureId, 'Figure', 'figureId'), a.label ?? null),
    mergeFigures: (_p, a: { intoFigureId: string; fromFigureId: string }, ctx) =>
      ctx.services.figures.merge(ctx.viewer, localId(a.intoFigureId, 'Figure', 'intoFigureId'), localId(a.fromFigureId, 'Figure', 'fromFigureId')),
    moveFace: (_p, a: { faceId: string; figureId?: string | null }, ctx) =>
      ctx.services.figures.moveFace(ctx.viewer, localId(a.faceId, 'Face', 'faceId'), optionalLocalId(a.figureId, 'Figure', 'figureId')),
    deleteFigure: async (_p, a: { figureId: string }, ctx) => {
      await ctx.services.figures.delete(ctx.viewer, localId(a.figureId, 'Figure', 'figureId'));
      return a.figureId;
    },
    untagFace: (_p, a: { faceId: string }, ctx) => ctx.services.figures.untagFace(ctx.viewer, localId(a.faceId, 'Face', 'faceId')),
    uploadFigureHeadshot: (_p, a: { figureId: string; file: UploadPromise }, ctx) =>
      withUpload(a.file, (receive) => ctx.services.figures.uploadHeadshot(ctx.viewer, localId(a.figureId, 'Figure', 'figureId'), receive)),
    setFigureHeadshot: (_p, a: { figureId: string; faceId: string }, ctx) =>
      ctx.services.figures.setHeadshot(ctx.viewer, localId(a.figureId, 'Figure', 'figureId'), localId(a.faceId, 'Face', 'faceId')),
    undoFigureChange: (_p, a: { changeId: string }, ctx) => ctx.services.figures.undo(ctx.viewer, localId(a.changeId, 'FigureChange', 'changeId')),
  },
  Subscription: {
    catalogueChanged: {
      subscribe: async (_p: unknown, _a: unknown, ctx: Context & { pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> } }) =>
        ctx.pubsub.subscribe(ctx.services.reads.changeTopic(ctx.viewer)),
    },
  },
};
