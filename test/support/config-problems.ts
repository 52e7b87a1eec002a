import { ConfigError, loadConfig } from '../../src/config.js';

/** The problems loadConfig reports for an environment (none when it is valid). */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}
