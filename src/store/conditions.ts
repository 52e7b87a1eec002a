import { likePattern } from './pagination.js';

const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** Builds a WHERE clause from optional filters: each condition joins only when its value is set. */
export class Conditions {
  private readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  /** Adds `clause` (with one `?` per parameter) when `value` is set; the parameters default to [value]. */
  when(value: unknown, clause: string, ...params: unknown[]): this {
    if (isSet(value)) {
      this.clauses.push(clause);
      this.params.push(...(params.length > 0 ? params : [value]));
    }
    return this;
  }

  /** Adds `clause`, which takes no parameters, when `value` is set (false counts as set). */
  whenSet(value: unknown, clause: string): this {
    if (isSet(value)) this.clauses.push(clause);
    return this;
  }

  /** Adds a case-insensitive substring match over `columns` when `text` is set. */
  like(text: string | null | undefined, ...columns: string[]): this {
    if (!isSet(text)) return this;
    const pattern = likePattern(text as string);
    return this.when(text, `(${columns.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`, ...columns.map(() => pattern));
  }

  get sql(): string {
    return this.clauses.length === 0 ? '1 = 1' : this.clauses.join(' AND ');
  }

  /** No condition is set: every row matches. */
  get none(): boolean {
    return this.clauses.length === 0;
  }
}
