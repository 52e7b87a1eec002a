import { createServer } from 'node:net';
import FirebaseServer from 'firebase-server';

/**
 * The Realtime Database on loopback: the npm `firebase-server` (the RTDB wire protocol; it needs
 * firebase 8.10.1 beside it, and firebase-admin's ref.get() hangs against it, so reads use once()),
 * reached by firebase-admin through FIREBASE_DATABASE_EMULATOR_HOST. It can
 * go down and come back on the same port with its data, or come back empty (a lost database).
 */
export class RealtimeDatabase {
  private server: FirebaseServer | null = null;
  private kept: unknown = null;
  private readonly watchers: { path: string; listener: (key: string) => void }[] = [];

  private constructor(readonly port: number) {}

  static async start(): Promise<RealtimeDatabase> {
    const db = new RealtimeDatabase(await freePort());
    await db.up();
    return db;
  }

  /** host:port, for FIREBASE_DATABASE_EMULATOR_HOST. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts again on the same port, with the data it had when it went down. */
  async up(): Promise<void> {
    // The name is the host the client reconnects to after the handshake: it must be this address.
    const server = new FirebaseServer({ port: this.port, host: '127.0.0.1' }, this.host, this.kept as null);
    server.setAuthSecret('owner');
    while (server.address() === null) await new Promise((resolve) => setTimeout(resolve, 10));
    this.server = server;
    for (const w of this.watchers) this.attach(w.path, w.listener);
  }

  /**
   * Calls `listener` with each child added under `path`, in the order the server applies the writes
   * (a client's listener may see a burst at once, after its own reconnection); kept across up().
   */
  watchAdded(path: string, listener: (key: string) => void): void {
    this.watchers.push({ path, listener });
    if (this.server !== null) this.attach(path, listener);
  }

  private attach(path: string, listener: (key: string) => void): void {
    // The server keeps its tree in an in-memory client of its own; its listeners fire as writes land.
    const internal = this.server as unknown as { baseRef: { child(p: string): { on(event: string, cb: (s: { key: string }) => void): void } } };
    internal.baseRef.child(path).on('child_added', (snapshot) => listener(snapshot.key));
  }

  /** Stops answering (clients are disconnected), keeping the data for up(). */
  async down(): Promise<void> {
    if (this.server === null) return;
    this.kept = await this.server.getValue();
    await this.server.close();
    this.server = null;
  }

  /** Loses everything (a database deleted by mistake). */
  async wipe(): Promise<void> {
    await this.down();
    this.kept = null;
    await this.up();
  }

  /** The whole tree, or the value at `path` (null when absent). */
  async value(path = ''): Promise<unknown> {
    if (this.server === null) throw new Error('the database is down');
    let node = (await this.server.getValue()) as unknown;
    for (const key of path.split('/').filter((k) => k !== '')) {
      node = typeof node === 'object' && node !== null ? ((node as Record<string, unknown>)[key] ?? null) : null;
    }
    return node ?? null;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}
