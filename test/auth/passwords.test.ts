import { describe, expect, it } from 'vitest';
import { decoyPasswordHash, generatePassword, hashPassword, PASSWORD_RULES, passwordProblem, verifyPassword } from '../../src/auth/passwords.js';

// A passphrase the strength check accepts, cut or padded to an exact length.
const ofLength = (n: number): string => 'violet harbour lantern quietly '.repeat(20).slice(0, n);

describe('passwords', () => {
  it('verifies a hash against the right password only, and treats a malformed hash as a mismatch', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword('not a hash at all', 'anything')).toBe(false);
  });

  it('keeps one decoy hash that matches no ordinary password', async () => {
    const decoy = await decoyPasswordHash();
    expect(await decoyPasswordHash()).toBe(decoy);
    expect(await verifyPassword(decoy, '')).toBe(false);
  });

  it('generates passwords of the length asked, from the alphabet without look-alike characters', () => {
    for (const length of [1, 20, 64]) expect(generatePassword(length)).toMatch(new RegExp(`^[A-HJ-NP-Za-km-z2-9]{${length}}$`));
    expect(generatePassword()).toHaveLength(20);
    expect(new Set(Array.from({ length: 20 }, () => generatePassword())).size).toBe(20);
  });

  it(`accepts ${PASSWORD_RULES.min} to ${PASSWORD_RULES.max} characters and names the rule it breaks`, () => {
    expect(passwordProblem(ofLength(PASSWORD_RULES.min - 1), [])).toBe(`Passwords need at least ${PASSWORD_RULES.min} characters`);
    expect(passwordProblem(ofLength(PASSWORD_RULES.min), [])).toBeNull();
    expect(passwordProblem(ofLength(PASSWORD_RULES.max), [])).toBeNull();
    expect(passwordProblem(ofLength(PASSWORD_RULES.max + 1), [])).toBe(`Passwords may have at most ${PASSWORD_RULES.max} characters`);
  });
});
