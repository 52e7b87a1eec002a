import { describe, expect, it } from 'vitest';
import { ArchivusQuota } from '../../src/services/archivus-quota.js';

describe('Archivus limits per user over a sliding hour', () => {
  it('refuses once the tokens of the last hour reach the limit, and admits again as they age out', () => {
    let now = 0;
    const quota = new ArchivusQuota({ requestsPerHour: 100, tokensPerHour: 1000, chatsPerUser: 5 }, () => now);

    quota.admit('ann')(600);
    now = 10 * 60_000;
    quota.admit('ann')(500);
    now = 20 * 60_000;

    expect(() => quota.admit('ann')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 40 * 60 } }));
    // Another user is not held back.
    expect(() => quota.admit('bob')(10)).not.toThrow();
    // An hour after the first answer, its tokens no longer count.
    now = 60 * 60_000 + 1;
    expect(() => quota.admit('ann')(10)).not.toThrow();
  });

  it('counts answers in progress until they end, once each', () => {
    const quota = new ArchivusQuota({ requestsPerHour: 100, tokensPerHour: 1000, chatsPerUser: 1 });
    const end = quota.admit('ann');
    expect(() => quota.admit('ann')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    end(5);
    end(5);
    const next = quota.admit('ann');
    expect(() => quota.admit('ann')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    next(0);
  });
});
