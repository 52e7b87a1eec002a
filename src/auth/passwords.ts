import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { weakPassword } from './password-strength.js';

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong, and fast enough for sign-in.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, OPTIONS);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the account does not exist, so timing does not reveal it. */
let decoyHash: Promise<string> | undefined;
export const decoyPasswordHash = (): Promise<string> => (decoyHash ??= hashPassword(randomBytes(16).toString('hex')));

// No look-alike characters (0/O, 1/l/I): generated passwords are read off emails and screens.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password of `length` characters from a CSPRNG (about 5.8 bits each). */
export function generatePassword(length = 20): string {
  const out: string[] = [];
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Reject bytes past the largest multiple of the alphabet size: no modulo bias.
      if (byte < 256 - (256 % ALPHABET.length) && out.length < length) out.push(ALPHABET[byte % ALPHABET.length] as string);
    }
  }
  return out.join('');
}

export const PASSWORD_RULES = { min: 12, max: 256 } as const;

/** Why a password someone chose is not good enough, or null; `userInputs` are their own names and email. */
export function passwordProblem(password: string, userInputs: readonly string[]): string | null {
  if (password.length < PASSWORD_RULES.min) return `Passwords need at least ${PASSWORD_RULES.min} characters`;
  if (password.length > PASSWORD_RULES.max) return `Passwords may have at most ${PASSWORD_RULES.max} characters`;
  return weakPassword(password, userInputs);
}
