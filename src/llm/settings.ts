import { AppError } from '../errors.js';

/** The language-model tasks of the pipelines and the chatbot; each is routed to one client and model. */
export const LLM_TASKS = ['ocr_correction', 'translation', 'summary', 'entities', 'caption', 'categorise', 'chat'] as const;
export type LlmTask = (typeof LLM_TASKS)[number];

/** One OpenAI-compatible endpoint (OpenAI, Qwen's compatible mode, Ollama, vLLM…). */
export interface LlmClientSettings {
  name: string;
  baseUrl: string;
  /** Absent for local servers that need none (Ollama, vLLM without --api-key). */
  apiKey: string | undefined;
  /** Requests in flight at once for the pipeline and integration tasks. */
  maxConcurrency: number;
  /** Requests in flight at once for Archivus, a pool of its own so chats and the pipeline never starve each other. */
  chatConcurrency: number;
  /** Total deadline of one request, from sending it to the last byte of the reply. */
  timeoutMs: number;
  /** Longest silence allowed between two pieces of a streamed reply (and before its first piece). */
  idleTimeoutMs: number;
}

export interface LlmRoute {
  client: string;
  model: string;
}

/** Per-user limits on Archivus (ARCHIVUS_* variables): the chatbot is open to every signed-in user. */
export interface ArchivusLimits {
  requestsPerHour: number;
  tokensPerHour: number;
  /** Answers one user may have in progress at once. */
  chatsPerUser: number;
}

export interface LlmSettings {
  clients: readonly LlmClientSettings[];
  /** A task without a route is skipped with "no language model configured". */
  tasks: Readonly<Partial<Record<LlmTask, LlmRoute>>>;
  imageMaxSide: number;
  maxRetries: number;
  retryBaseMs: number;
  maxToolRounds: number;
  maxAnswerAttempts: number;
  archivus: ArchivusLimits;
}

type Env = Record<string, string | undefined>;

// LLM_TASK_* is the task namespace, so a client named "task" would be ambiguous.
const isClientName = (name: string): boolean => /^[a-z][a-z0-9_]*$/.test(name) && name !== 'task';

/**
 * Reads the LLM_* variables. Returns the settings, or an AppError (LLM_NOT_CONFIGURED) whose message
 * names every bad variable; `details.problems` holds one "NAME: problem (got value)" line per variable.
 */
export function parseLlmEnv(env: Env): LlmSettings | AppError {
  const problems: string[] = [];
  const problem = (name: string, message: string): undefined => {
    problems.push(`${name}: ${message} (got ${JSON.stringify(env[name] ?? null)})`);
    return undefined;
  };

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value)) return problem(name, 'expected a whole number') ?? fallback;
    if (value < min || value > max) return problem(name, `expected a whole number from ${min} to ${max}`) ?? fallback;
    return value;
  };

  const names = (env.LLM_CLIENTS ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  for (const [i, name] of names.entries()) {
    if (!isClientName(name)) {
      problem('LLM_CLIENTS', `client name "${name}" must be letters, digits or underscore, start with a letter, and not be "task"`);
    } else if (names.indexOf(name) !== i) {
      problem('LLM_CLIENTS', `client "${name}" is listed twice`);
    }
  }

  const clients: LlmClientSettings[] = [...new Set(names)].filter(isClientName).map((name) => {
    const prefix = `LLM_${name.toUpperCase()}_`;
    const baseUrlName = `${prefix}BASE_URL`;
    const baseUrl = env[baseUrlName]?.trim() ?? '';
    if (baseUrl === '') problem(baseUrlName, `required for client "${name}" listed in LLM_CLIENTS`);
    else if (!/^https?:\/\//.test(baseUrl) || !URL.canParse(baseUrl)) problem(baseUrlName, 'expected an http(s) URL such as https://api.openai.com/v1');
    // The SDK appends /chat/completions to the base: a bare host would miss the API's path.
    else if (new URL(baseUrl).pathname.replace(/\/+$/, '') === '') problem(baseUrlName, 'expected the API path too, usually ending in /v1 (e.g. http://127.0.0.1:11434/v1)');
    const apiKey = env[`${prefix}API_KEY`]?.trim();
    return {
      name,
      baseUrl: baseUrl.replace(/\/+$/, ''),
      apiKey: apiKey === '' ? undefined : apiKey,
      maxConcurrency: int(`${prefix}MAX_CONCURRENCY`, 4, 1, 256),
      chatConcurrency: int(`${prefix}CHAT_CONCURRENCY`, 4, 1, 256),
      timeoutMs: int(`${prefix}TIMEOUT_MS`, 60_000, 100, 3_600_000),
      idleTimeoutMs: int(`${prefix}IDLE_TIMEOUT_MS`, 30_000, 100, 3_600_000),
    };
  });

  const tasks: Partial<Record<LlmTask, LlmRoute>> = {};
  for (const name of Object.keys(env).filter((k) => k.startsWith('LLM_TASK_')).sort()) {
    const raw = env[name]?.trim() ?? '';
    if (raw === '') continue;
    const task = LLM_TASKS.find((t) => `LLM_TASK_${t.toUpperCase()}` === name);
    if (task === undefined) {
      problem(name, `unknown task; expected one of ${LLM_TASKS.map((t) => `LLM_TASK_${t.toUpperCase()}`).join(', ')}`);
      continue;
    }
    // Split at the first colon only: Ollama model names carry their own tag (ollama:qwen2.5vl:7b).
    const colon = raw.indexOf(':');
    const client = colon < 0 ? '' : raw.slice(0, colon).trim().toLowerCase();
    const model = colon < 0 ? '' : raw.slice(colon + 1).trim();
    if (client === '' || model === '') problem(name, 'expected <client>:<model>, e.g. openai:gpt-5-nano');
    else if (!clients.some((c) => c.name === client)) problem(name, `client "${client}" is not listed in LLM_CLIENTS`);
    else tasks[task] = { client, model };
  }

  const settings: LlmSettings = {
    clients,
    tasks,
    imageMaxSide: int('LLM_IMAGE_MAX_SIDE', 1280, 64, 8192),
    maxRetries: int('LLM_MAX_RETRIES', 3, 0, 10),
    retryBaseMs: int('LLM_RETRY_BASE_MS', 500, 1, 60_000),
    maxToolRounds: int('LLM_MAX_TOOL_ROUNDS', 5, 1, 50),
    maxAnswerAttempts: int('LLM_MAX_ANSWER_ATTEMPTS', 3, 1, 10),
    archivus: {
      requestsPerHour: int('ARCHIVUS_REQUESTS_PER_HOUR', 60, 1, 1_000_000),
      tokensPerHour: int('ARCHIVUS_TOKENS_PER_HOUR', 200_000, 100, 1_000_000_000),
      chatsPerUser: int('ARCHIVUS_CHATS_PER_USER', 2, 1, 100),
    },
  };
  if (problems.length === 0) return settings;
  return new AppError('LLM_NOT_CONFIGURED', `Invalid language-model configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
    variables: [...new Set(problems.map((p) => p.slice(0, p.indexOf(':'))))],
    problems,
  });
}
