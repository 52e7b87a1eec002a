/** Which of a request's deadlines ran out. */
export type DeadlineKind = 'total' | 'idle';

/** A request that ran past one of its deadlines: retried like any timeout. */
export class DeadlineExceeded extends Error {
  constructor(
    readonly kind: DeadlineKind,
    readonly ms: number,
  ) {
    super(kind === 'total' ? `no complete reply within ${ms} ms` : `no data for ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * The deadlines of one HTTP request to a model: a total one from sending to the last byte, and
 * (for streams) an idle one restarted by every piece that arrives. Either aborts the request, as
 * does the caller's signal; `explain` turns whatever the SDK threw after that into the reason.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly total: NodeJS.Timeout;
  private idle: NodeJS.Timeout | undefined;
  private expired: DeadlineExceeded | undefined;
  private readonly onOuterAbort = (): void => this.controller.abort(this.outer?.reason);

  constructor(
    totalMs: number,
    private readonly idleMs: number | undefined,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.total = setTimeout(() => this.expire(new DeadlineExceeded('total', totalMs)), totalMs);
    if (outer?.aborted) this.onOuterAbort();
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A piece of the reply arrived: the idle clock starts again. */
  touch(): void {
    if (this.idleMs === undefined) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.expire(new DeadlineExceeded('idle', this.idleMs as number)), this.idleMs);
  }

  /** The deadline that ran out, if one did (the SDK ends an aborted stream quietly). */
  check(): void {
    if (this.expired !== undefined) throw this.expired;
  }

  /** The error to act on: the deadline when one ran out, else what was thrown. */
  explain(error: unknown): unknown {
    return this.expired ?? error;
  }

  clear(): void {
    clearTimeout(this.total);
    clearTimeout(this.idle);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }

  private expire(reason: DeadlineExceeded): void {
    if (this.controller.signal.aborted) return;
    this.expired = reason;
    this.controller.abort(reason);
  }
}
