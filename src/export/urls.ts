import { toGlobalId } from '../../resolvers/ids.js';

/**
 * The addresses of every export, under PUBLIC_URL (the address people reach the server at), with the
 * same opaque ids as the GraphQL API. One place, so the routes, the documents and the GraphQL fields agree.
 */
export class ExportUrls {
  constructor(private readonly base: string) {}

  /** IIIF Image API service of an artefact's image (info.json lives under it). */
  imageService(artefactId: string): string {
    return `${this.base}/iiif/3/image/${toGlobalId('Artefact', artefactId)}`;
  }

  artefactManifest(artefactId: string): string {
    return `${this.base}/iiif/3/artefacts/${toGlobalId('Artefact', artefactId)}/manifest`;
  }

  /** The one canvas of an artefact, the same in its own manifest and in its books'. */
  canvas(artefactId: string): string {
    return `${this.base}/iiif/3/artefacts/${toGlobalId('Artefact', artefactId)}/canvas`;
  }

  bookManifest(bookId: string): string {
    return `${this.base}/iiif/3/books/${toGlobalId('Book', bookId)}/manifest`;
  }

  categoryCollection(categoryId: string): string {
    return `${this.base}/iiif/3/categories/${toGlobalId('Category', categoryId)}/collection`;
  }

  pageXml(artefactId: string): string {
    return `${this.base}/export/page/${toGlobalId('Artefact', artefactId)}.xml`;
  }

  alto(artefactId: string): string {
    return `${this.base}/export/alto/${toGlobalId('Artefact', artefactId)}.xml`;
  }

  oai(): string {
    return `${this.base}/oai`;
  }

  catalogueCsv(): string {
    return `${this.base}/export/catalogue.csv`;
  }

  /** The repository's part of OAI-PMH identifiers: the host of PUBLIC_URL. */
  get host(): string {
    return new URL(this.base).hostname;
  }
}
