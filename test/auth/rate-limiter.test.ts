import { describe, expect, it } from 'vitest';
import { MinuteRateLimiter } from '../../src/auth/rate-limiter.js';

describe('MinuteRateLimiter', () => {
  it('allows perMinute attempts per key in a window, then refuses until the minute is over', () => {
    const limiter = new MinuteRateLimiter(3);
    const t0 = 1_000_000;
    expect([1, 2, 3, 4, 5].map((i) => limiter.take('a', t0 + i))).toEqual([true, true, true, false, false]);
    // Other keys have their own count.
    expect(limiter.take('b', t0 + 10)).toBe(true);
    expect(limiter.take('a', t0 + 59_999)).toBe(false);
    // A new window starts exactly one minute after the first attempt of the last one.
    expect(limiter.take('a', t0 + 1 + 60_000)).toBe(true);
    expect(limiter.take('a', t0 + 2 + 60_000)).toBe(true);
  });

  it('prunes only windows that are over when it holds more than 10,000 keys: live counts go on', () => {
    const limiter = new MinuteRateLimiter(1);
    const t0 = 5_000_000;
    for (let i = 0; i <= 10_000; i++) limiter.take(`old-${i}`, t0);
    expect(limiter.take('fresh', t0 + 30_000)).toBe(true);
    // Opening a window past 10,000 keys prunes; 'fresh' is still within its minute and keeps its count.
    expect(limiter.take('newer', t0 + 60_000)).toBe(true);
    expect(limiter.take('fresh', t0 + 60_001)).toBe(false);
  });
});
