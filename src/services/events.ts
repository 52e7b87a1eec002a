import mqemitter, { type MQEmitter } from 'mqemitter';

export type EntityType = 'Artefact' | 'Category' | 'Book' | 'Figure' | 'Batch' | 'User';
export type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

export interface CatalogueChange {
  entity: EntityType;
  id: string;
  change: ChangeKind;
  at: string;
}

export const TOPICS = { catalogueChanged: 'CATALOGUE_CHANGED' } as const;

/**
 * The event bus behind GraphQL subscriptions: in-process mqemitter by default; an mqemitter-redis
 * instance can be passed in to share events across API instances.
 */
export class Events {
  constructor(readonly emitter: MQEmitter = mqemitter()) {}

  catalogueChanged(change: CatalogueChange): void {
    this.emitter.emit({ topic: TOPICS.catalogueChanged, payload: { catalogueChanged: change } });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.emitter.close(() => resolve()));
  }
}
