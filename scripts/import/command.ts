import { stat } from 'node:fs/promises';
import type { ArtefactKind } from '../../src/artefact-kind.js';
import { ArchaiveClient, ServerError } from './client.js';
import { consoleObserver, quietObserver } from './console.js';
import { importDirectory, type ImportReport, type StopSignal } from './importer.js';
import { askPassword } from './password.js';

export interface ImportCommand {
  dir: string;
  server: string;
  name: string | null;
  kind: ArtefactKind | null;
  json: boolean;
  user: string | null;
}

/** Exit codes: 0 every file processed, 1 some not, 2 could not import (usage, credentials, server), 130 stopped by Ctrl-C. */
const exitCode = (report: ImportReport): number => (report.interrupted ? 130 : report.processed === report.total ? 0 : 1);

async function connect(server: string, user: string | null): Promise<ArchaiveClient> {
  const token = process.env.ARCHAIVE_TOKEN;
  if (token) return new ArchaiveClient(server, token);
  if (user === null) throw new ServerError('UNAUTHENTICATED', 'Set ARCHAIVE_TOKEN, or name the account with --user (password from ARCHAIVE_PASSWORD or asked)');
  const password = process.env.ARCHAIVE_PASSWORD ?? (await askPassword(`Password for ${user} at ${server}: `));
  return ArchaiveClient.signIn(server, user, password);
}

/** Ctrl-C once: the request in flight finishes and nothing new starts; twice: leave at once. */
function stopOnInterrupt(): StopSignal & { release(): void } {
  let stopped = false;
  let ask = (): void => undefined;
  const asked = new Promise<void>((resolve) => (ask = resolve));
  const onSigint = () => {
    if (stopped) process.exit(130);
    stopped = true;
    process.stderr.write('\nStopping after the request in flight (Ctrl-C again to leave now); run the same import again to resume.\n');
    ask();
  };
  process.on('SIGINT', onSigint);
  return {
    get stopped() {
      return stopped;
    },
    asked,
    release: () => process.off('SIGINT', onSigint),
  };
}

/** npm run cli -- import DIR …: uploads, starts and follows one batch; prints a summary or, with --json, one JSON object. */
export async function runImport(command: ImportCommand): Promise<number> {
  if (!(await stat(command.dir).catch(() => null))?.isDirectory()) {
    console.error(`${command.dir} is not a directory`);
    return 2;
  }
  const server = command.server.replace(/\/+$/, '');
  const observer = command.json ? null : consoleObserver();
  const stop = stopOnInterrupt();
  try {
    const client = await connect(server, command.user);
    const report = await importDirectory(client, { dir: command.dir, name: command.name, kind: command.kind }, observer ?? quietObserver, stop);
    observer?.close();
    const { interrupted, ...counts } = report;
    if (command.json) console.log(JSON.stringify({ ...counts, interrupted }));
    else console.log(`batch ${report.batchId ?? '(none)'}: ${report.processed} of ${report.total} processed, ${report.failed} failed${report.duplicates > 0 ? `, ${report.duplicates} already in the catalogue` : ''}${interrupted ? '; stopped before the end (run again to resume)' : ''}`);
    return exitCode(report);
  } catch (error) {
    observer?.close();
    if (!(error instanceof ServerError)) throw error;
    if (command.json) console.log(JSON.stringify({ error: { code: error.code, message: error.message } }));
    else console.error(`import failed: ${error.message} (${error.code})`);
    return 2;
  } finally {
    stop.release();
  }
}
