import { AppError } from '../errors.js';
import type { ArchivusLimits } from '../llm/settings.js';

const HOUR_MS = 3_600_000;

interface Use {
  at: number;
  tokens: number;
}

/**
 * Per-user limits on Archivus, kept in memory over a sliding hour: requests and tokens per hour,
 * and answers in progress at once. Over a limit, RATE_LIMITED says when to try again.
 */
export class ArchivusQuota {
  private readonly uses = new Map<string, Use[]>();
  private readonly open = new Map<string, number>();

  constructor(
    private readonly limits: ArchivusLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Admits one answer for the user, or throws RATE_LIMITED; returns what ends it, with the tokens it used. */
  admit(userId: string): (tokens: number) => void {
    const now = this.now();
    const uses = (this.uses.get(userId) ?? []).filter((u) => u.at > now - HOUR_MS);
    this.uses.set(userId, uses);
    const open = this.open.get(userId) ?? 0;
    if (open >= this.limits.chatsPerUser) {
      throw limited(`You already have ${open} answer${open === 1 ? '' : 's'} in progress; wait for ${open === 1 ? 'it' : 'one'} to finish`, 1);
    }
    const oldest = uses[0]?.at ?? now;
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000));
    if (uses.length >= this.limits.requestsPerHour) {
      throw limited(`At most ${this.limits.requestsPerHour} questions an hour`, retryAfterSeconds);
    }
    if (uses.reduce((sum, u) => sum + u.tokens, 0) >= this.limits.tokensPerHour) {
      throw limited(`At most ${this.limits.tokensPerHour} tokens of answers an hour`, retryAfterSeconds);
    }
    const use: Use = { at: now, tokens: 0 };
    uses.push(use);
    this.open.set(userId, open + 1);
    let ended = false;
    return (tokens) => {
      if (ended) return;
      ended = true;
      use.tokens = tokens;
      this.open.set(userId, (this.open.get(userId) ?? 1) - 1);
    };
  }
}

const limited = (message: string, retryAfterSeconds: number): AppError =>
  new AppError('RATE_LIMITED', `${message}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
