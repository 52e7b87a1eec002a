import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { weakPassword } from './auth/password-strength.js';
import { parseLlmEnv, type LlmSettings } from './llm/settings.js';
import type { MirrorSettings } from './mirror/settings.js';

/**
 * All configuration comes from environment variables (a `.env` file is read first when present).
 * Every variable is validated at boot; a wrong value stops the server with a message naming it.
 */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `expected at least ${min}` })
    .max(max, { error: `expected at most ${max}` })
    .default(fallback);

// Unset and empty are the same: off.
function optional<T extends z.ZodType<string, string>>(inner: T) {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
    .pipe(inner.optional());
}

const envSchema = z.object({
  PORT: int(4000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z.url({ error: 'expected an absolute URL such as https://archive.example.org' }).optional(),
  TRUST_PROXY: bool(false),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))
    .refine((list) => list.every((o) => URL.canParse(o) && new URL(o).origin === o), {
      error: 'expected comma-separated origins such as https://app.example.org (scheme, host and port; no path)',
    }),

  SUPERUSER_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,32}$/, { error: 'expected 3–32 letters, digits, dot, dash or underscore' })
    .default('admin'),
  SUPERUSER_EMAIL: z.email({ error: 'expected an email address' }).default('admin@archaive.local'),
  // Empty means unset: a password is then generated into DATA_DIR.
  SUPERUSER_PASSWORD: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(
      z
        .string()
        .min(12, { error: 'expected at least 12 characters', abort: true })
        .refine((v) => weakPassword(v, []) === null, { error: 'expected a password that is not easy to guess (see README, Security)' })
        .optional(),
    ),

  SESSION_IDLE_MINUTES: int(120, 1, 60 * 24 * 30),
  SESSION_ABSOLUTE_HOURS: int(72, 1, 24 * 365),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false'], { error: 'expected auto, true or false' }).default('auto'),
  SIGNIN_MAX_FAILURES: int(5, 1, 100),
  SIGNIN_LOCKOUT_MINUTES: int(15, 1, 24 * 60),
  SIGNIN_RATE_PER_MINUTE: int(20, 1, 10_000),
  SIGNIN_ALERTS: bool(false),
  ONE_TIME_PASSWORD_HOURS: int(72, 1, 24 * 30),

  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'expected smtp://user:pass@host:port or smtps://…' })
    .optional(),
  SMTP_FROM: z.string().min(3).default('ArchAIve <no-reply@archaive.local>'),

  CACHE_ENABLED: bool(true),
  CACHE_TTL_SECONDS: int(300, 1, 86_400),

  GRAPHIQL_ENABLED: bool(true),
  GRAPHQL_MAX_DEPTH: int(12, 2, 100),
  GRAPHQL_MAX_COMPLEXITY: int(100_000, 10, 100_000_000),
  GRAPHQL_MAX_EXPENSIVE_FIELDS: int(5, 1, 1000),

  WORKERS: int(availableParallelism(), 1, 64),

  MAX_UPLOAD_MB: int(25, 1, 1024),
  MAX_IMAGE_PIXELS: int(120_000_000, 1_000, 1_000_000_000),
  MAX_FILES_PER_UPLOAD: int(50, 1, 1000),
  FILE_RETENTION_HOURS: int(24, 1, 24 * 365),
  FILE_URL_SECRET: optional(z.string().min(32, { error: 'expected at least 32 characters' })),
  FILE_URL_MINUTES: int(15, 1, 24 * 60),
  PUBLIC_EXPORTS: bool(false),

  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected redis://[user:pass@]host:port[/db] or rediss://…' }).optional(),
  API_ROLE: z.enum(['primary', 'secondary'], { error: 'expected primary or secondary' }).default('primary'),
  WORKER_LOCK_SECONDS: int(30, 1, 3600),

  // The Firebase mirror: on when the three FIREBASE_* names are set (see docs/firebase.md).
  FIREBASE_PROJECT_ID: optional(z.string().regex(/^[a-z0-9-]{4,40}$/, { error: 'expected a Firebase project id (lower-case letters, digits, dashes)' })),
  FIREBASE_DATABASE_URL: optional(z.url({ protocol: /^https$/, error: 'expected https://<name>.firebaseio.com or https://<name>.<region>.firebasedatabase.app' })),
  FIREBASE_STORAGE_BUCKET: optional(z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, { error: 'expected a bucket name such as my-project.appspot.com' })),
  // Checked only when the mirror is on: other Google tools may set it for themselves.
  GOOGLE_APPLICATION_CREDENTIALS: optional(z.string()),
  FIREBASE_DATABASE_EMULATOR_HOST: optional(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: 'expected host:port, e.g. 127.0.0.1:9000' })),
  STORAGE_EMULATOR_HOST: optional(z.url({ protocol: /^https?$/, error: 'expected http://host:port, e.g. http://127.0.0.1:9199' })),
  MIRROR_BATCH_SIZE: int(100, 1, 1000),
  MIRROR_RETRY_BASE_MS: int(1000, 1, 600_000),
  MIRROR_RETRY_MAX_MS: int(60_000, 1, 3_600_000),
  MIRROR_TIMEOUT_MS: int(10_000, 10, 600_000),
});

const MIRROR_REQUIRED = ['FIREBASE_PROJECT_ID', 'FIREBASE_DATABASE_URL', 'FIREBASE_STORAGE_BUCKET'] as const;

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  publicUrl: string;
  trustProxy: boolean;
  /** Other origins whose pages may call the API with credentials (CORS, cookie posts, WebSockets). */
  corsOrigins: readonly string[];
  superuser: { username: string; email: string; password: string | undefined };
  session: { idleMs: number; absoluteMs: number; cookieSecure: 'auto' | boolean };
  /** `oneTimePasswordMs`: how long a generated password (new account, reset) works before its first use. */
  signIn: { maxFailures: number; lockoutMs: number; ratePerMinute: number; alerts: boolean; oneTimePasswordMs: number };
  smtp: { url: string; from: string } | undefined;
  cache: { enabled: boolean; ttlSeconds: number };
  graphql: { graphiql: boolean; maxDepth: number; maxComplexity: number; maxExpensiveFields: number };
  uploads: { maxBytes: number; maxPixels: number; maxFiles: number };
  /** A file nothing refers to is deleted once its bytes were stored at least this long ago (uploads in flight are safe). */
  fileRetentionMs: number;
  /**
   * Signed file URLs: the key (generated into DATA_DIR when unset), how long a URL lasts (rounded
   * up to a window of that length), and PUBLIC_URL when set (else the address a request came to).
   */
  fileUrls: { secret: string | undefined; ttlMs: number; baseUrl: string | null };
  /** IIIF and OAI-PMH answer without a session (the other exports always need one). */
  publicExports: boolean;
  /** Inference worker threads; also how many artefacts are processed at once. */
  workers: number;
  /** Language-model clients and the route of each task (LLM_* variables; see docs/llm.md). */
  llm: LlmSettings;
  /** The Firebase mirror (FIREBASE_*, MIRROR_*); undefined: off, and nothing Firebase is loaded. */
  mirror: MirrorSettings | undefined;
  /**
   * Redis (REDIS_URL): inference on remote workers (BullMQ) and events shared by every API instance.
   * `lockMs`: how long a worker that stopped answering keeps its job before another one takes it.
   */
  redis: { url: string; lockMs: number } | undefined;
  /** primary: owns the job queue (one per database); secondary: serves the API and forwards queue work to it. */
  role: 'primary' | 'secondary';
}>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Parses and validates the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const llm = parseLlmEnv(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return `${name}: ${issue.message} (got ${JSON.stringify(env[name] ?? null)})`;
      });
  if (llm instanceof Error) problems.push(...((llm.details?.problems as string[] | undefined) ?? [llm.message]));
  // A secondary reaches the primary's queue only through Redis.
  if (parsed.success && parsed.data.API_ROLE === 'secondary' && parsed.data.REDIS_URL === undefined) {
    problems.push('API_ROLE: secondary needs REDIS_URL (got "secondary" without it)');
  }
  if (parsed.success) problems.push(...mirrorProblems(parsed.data));
  if (!parsed.success || llm instanceof Error || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    superuser: { username: e.SUPERUSER_USERNAME, email: e.SUPERUSER_EMAIL, password: e.SUPERUSER_PASSWORD },
    session: {
      idleMs: e.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
      cookieSecure: e.COOKIE_SECURE === 'auto' ? 'auto' : e.COOKIE_SECURE === 'true',
    },
    signIn: {
      maxFailures: e.SIGNIN_MAX_FAILURES,
      lockoutMs: e.SIGNIN_LOCKOUT_MINUTES * 60_000,
      ratePerMinute: e.SIGNIN_RATE_PER_MINUTE,
      alerts: e.SIGNIN_ALERTS,
      oneTimePasswordMs: e.ONE_TIME_PASSWORD_HOURS * 3_600_000,
    },
    smtp: e.SMTP_URL === undefined ? undefined : { url: e.SMTP_URL, from: e.SMTP_FROM },
    cache: { enabled: e.CACHE_ENABLED, ttlSeconds: e.CACHE_TTL_SECONDS },
    graphql: {
      graphiql: e.GRAPHIQL_ENABLED,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      maxExpensiveFields: e.GRAPHQL_MAX_EXPENSIVE_FIELDS,
    },
    uploads: { maxBytes: e.MAX_UPLOAD_MB * 1024 * 1024, maxPixels: e.MAX_IMAGE_PIXELS, maxFiles: e.MAX_FILES_PER_UPLOAD },
    fileRetentionMs: e.FILE_RETENTION_HOURS * 3_600_000,
    fileUrls: { secret: e.FILE_URL_SECRET, ttlMs: e.FILE_URL_MINUTES * 60_000, baseUrl: e.PUBLIC_URL === undefined ? null : e.PUBLIC_URL.replace(/\/$/, '') },
    publicExports: e.PUBLIC_EXPORTS,
    workers: e.WORKERS,
    llm,
    mirror: mirrorSettings(e),
    redis: e.REDIS_URL === undefined ? undefined : { url: e.REDIS_URL, lockMs: e.WORKER_LOCK_SECONDS * 1000 },
    role: e.API_ROLE,
  };
}

type Parsed = z.infer<typeof envSchema>;

// One or two of the three names is a mistake, not a mirror that is off.
function mirrorProblems(e: Parsed): string[] {
  const given = MIRROR_REQUIRED.filter((name) => e[name] !== undefined);
  if (given.length === 0) return [];
  const problems = MIRROR_REQUIRED.filter((name) => e[name] === undefined).map(
    (name) => `${name}: required with ${given.join(' and ')} to turn the Firebase mirror on (got null)`,
  );
  if (e.GOOGLE_APPLICATION_CREDENTIALS !== undefined && !existsSync(e.GOOGLE_APPLICATION_CREDENTIALS)) {
    problems.push(`GOOGLE_APPLICATION_CREDENTIALS: expected the path of an existing service-account key file (got ${JSON.stringify(e.GOOGLE_APPLICATION_CREDENTIALS)})`);
  }
  if (e.MIRROR_RETRY_MAX_MS < e.MIRROR_RETRY_BASE_MS) {
    problems.push(`MIRROR_RETRY_MAX_MS: expected at least MIRROR_RETRY_BASE_MS, ${e.MIRROR_RETRY_BASE_MS} (got ${e.MIRROR_RETRY_MAX_MS})`);
  }
  return problems;
}

function mirrorSettings(e: Parsed): MirrorSettings | undefined {
  if (e.FIREBASE_PROJECT_ID === undefined || e.FIREBASE_DATABASE_URL === undefined || e.FIREBASE_STORAGE_BUCKET === undefined) return undefined;
  return {
    projectId: e.FIREBASE_PROJECT_ID,
    databaseUrl: e.FIREBASE_DATABASE_URL.replace(/\/+$/, ''),
    storageBucket: e.FIREBASE_STORAGE_BUCKET,
    credentialsFile: e.GOOGLE_APPLICATION_CREDENTIALS,
    databaseEmulatorHost: e.FIREBASE_DATABASE_EMULATOR_HOST,
    storageEmulatorHost: e.STORAGE_EMULATOR_HOST?.replace(/\/+$/, ''),
    batchSize: e.MIRROR_BATCH_SIZE,
    retryBaseMs: e.MIRROR_RETRY_BASE_MS,
    retryMaxMs: e.MIRROR_RETRY_MAX_MS,
    timeoutMs: e.MIRROR_TIMEOUT_MS,
  };
}

/** Reads `.env` into process.env (without overriding what is already set), as Node does natively. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** For the entry points (server, worker): `.env`, then the configuration; a wrong value ends the process with exit code 2 and a line per problem. */
export function loadConfigOrExit(): Config {
  loadDotEnv();
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}
