import type { Db } from '../db.js';

/** Maintenance mode while it is on: the superuser's note to users, and since when. */
export interface MaintenanceState {
  message: string | null;
  since: string;
}

/** The one durable maintenance flag (a row while it is on), shared by the server and the CLI. */
export class MaintenanceRepository {
  constructor(private readonly db: Db) {}

  /** The mode while on; null while off. */
  get(): MaintenanceState | null {
    return this.db.query<MaintenanceState>('SELECT message, since FROM maintenance WHERE id = 1').get() ?? null;
  }

  /** Turns it on (keeping `since` when it was on already, with the new message) or off. */
  set(on: boolean, message: string | null, now: Date): MaintenanceState | null {
    if (!on) {
      this.db.query('DELETE FROM maintenance WHERE id = 1').run();
      return null;
    }
    this.db
      .query('INSERT INTO maintenance (id, message, since) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET message = excluded.message')
      .run(message, now.toISOString());
    return this.get();
  }
}
