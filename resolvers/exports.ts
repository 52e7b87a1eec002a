import type { IResolvers } from '@graphql-tools/utils';
import type { Artefact } from '../src/store/repositories/artefacts.js';
import type { Book } from '../src/store/repositories/books.js';
import type { Category } from '../src/store/repositories/categories.js';
import type { Context } from './context.js';

/** Whether the artefact has a stored OCR layout to export (read through the request's field loader). */
const hasLayout = async (a: Artefact, ctx: Context): Promise<boolean> => (await ctx.loaders.fields.load(a.id)).some((f) => f.field === 'ocrLayout' && f.value);

export const exportResolvers: IResolvers<unknown, Context> = {
  Query: {
    exportUrls: (_p, _a, ctx) => ctx.services.exports.locations(ctx.viewer),
  },
  Artefact: {
    iiifManifestUrl: (a: Artefact, _a, ctx) => ctx.services.exports.urls.artefactManifest(a.id),
    iiifImageUrl: (a: Artefact, _a, ctx) => ctx.services.exports.urls.imageService(a.id),
    pageXmlUrl: async (a: Artefact, _a, ctx) => ((await hasLayout(a, ctx)) ? ctx.services.exports.urls.pageXml(a.id) : null),
    altoUrl: async (a: Artefact, _a, ctx) => ((await hasLayout(a, ctx)) ? ctx.services.exports.urls.alto(a.id) : null),
  },
  Book: {
    iiifManifestUrl: (b: Book, _a, ctx) => ctx.services.exports.urls.bookManifest(b.id),
  },
  Category: {
    iiifCollectionUrl: (c: Category, _a, ctx) => ctx.services.exports.urls.categoryCollection(c.id),
  },
};
