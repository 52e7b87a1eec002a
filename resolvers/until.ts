/**
 * The events of a subscription up to and including the first one for which `last` holds; then the
 * subscription completes. Stepped by hand: leaving a for-await early would destroy mercurius's
 * event queue with an AbortError, which it logs at error level; mercurius ends the queue itself
 * once the subscription completes.
 */
export async function* upTo<T>(events: AsyncIterable<unknown>, last: (event: T) => boolean): AsyncGenerator<T> {
  const iterator = events[Symbol.asyncIterator]();
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
    const event = next.value as T;
    yield event;
    if (last(event)) return;
  }
}
