/**
 * Memoises an async build per key for the life of the thread (module state is per worker thread),
 * so concurrent and later callers share one result. A rejected build is forgotten, and so is a
 * result `keep` refuses, so a later call tries again: a model put in place after a failure is
 * picked up without a restart.
 */
export const cached = <A extends unknown[], T>(
  key: (...args: A) => string,
  build: (...args: A) => Promise<T>,
  keep: (value: T) => boolean = () => true,
): ((...args: A) => Promise<T>) => {
  const entries = new Map<string, Promise<T>>();
  return (...args) => {
    const id = key(...args);
    const found = entries.get(id);
    if (found !== undefined) return found;
    const pending = build(...args);
    entries.set(id, pending);
    // Registered before the caller's own handlers, so the entry is gone by the time the caller sees the outcome.
    pending.then(
      (value) => {
        if (!keep(value)) entries.delete(id);
      },
      () => entries.delete(id),
    );
    return pending;
  };
};
