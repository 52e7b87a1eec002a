import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { AppError } from '../errors.js';
import { SUPERUSER_PASSWORD_FILE } from '../services/users.js';
import type { Store } from '../store/store.js';
import { COLLECTIONS, MIRROR_FORMAT, type Collection } from './documents.js';
import type { Firebase } from './firebase.js';
import { META_PATH } from './outbox.js';

/** How many of each were brought back, and where the superuser's new password is (if generated). */
export type RestoreReport = Record<Collection, number> & { superuserPasswordFile: string | null };

type Doc = Record<string, unknown>;
type Tree = Record<Collection, Record<string, Doc>>;

// Absent keys are nulls (RTDB keeps none); maps that were empty are absent too.
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const map = (v: unknown): Record<string, Doc> => (typeof v === 'object' && v !== null ? (v as Record<string, Doc>) : {});
const bySeq = (docs: Record<string, Doc>): [string, Doc][] => Object.entries(docs).sort(([, a], [, b]) => (num(a.seq) ?? 0) - (num(b.seq) ?? 0));

/**
 * Rebuilds an empty store from the mirror (disaster recovery): every file from the bucket (checked
 * against its content address), then every record in one transaction, and the search index. The
 * mirror keeps no secrets, so passwords do not come back: the superuser gets SUPERUSER_PASSWORD or
 * a generated one in DATA_DIR (as at a first boot), and everyone else a one-time password that has
 * already expired, so the superuser issues each a new one (resetUserPassword).
 */
export async function restoreFromMirror(
  store: Store,
  firebase: Firebase,
  options: { dataDir: string; superuserPassword: string | undefined },
): Promise<RestoreReport> {
  if (store.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM users').get()?.n !== 0) {
    throw new AppError('CONFLICT', 'DATA_DIR already holds a catalogue; a restore needs an empty DATA_DIR');
  }
  const meta = map(await firebase.read(META_PATH)) as Doc;
  if (meta.format !== MIRROR_FORMAT) {
    throw new AppError('NOT_FOUND', `The mirror holds no catalogue in format ${MIRROR_FORMAT} (meta/format is ${JSON.stringify(meta.format ?? null)})`);
  }
  const tree = {} as Tree;
  for (const c of COLLECTIONS) tree[c] = map(await firebase.read(c));

  for (const sha256 of Object.keys(tree.files)) {
    const stored = await store.files.putImage(await firebase.download(`files/${sha256}`));
    if (stored.sha256 !== sha256) throw new AppError('CONFLICT', `The bucket's files/${sha256} holds other bytes (${stored.sha256})`);
  }

  const now = new Date().toISOString();
  const superuserPassword = options.superuserPassword ?? generatePassword(24);
  const hashes = new Map<string, string>();
  for (const [id, u] of Object.entries(tree.users)) {
    hashes.set(id, await hashPassword(u.role === 'SUPERUSER' ? superuserPassword : generatePassword(24)));
  }
  let superuserPasswordFile: string | null = null;
  if (options.superuserPassword === undefined && Object.values(tree.users).some((u) => u.role === 'SUPERUSER')) {
    superuserPasswordFile = path.join(options.dataDir, SUPERUSER_PASSWORD_FILE);
    await writeFile(superuserPasswordFile, `${superuserPassword}\n`, { mode: 0o600, flag: 'wx' });
  }

  const run = (sql: string, ...params: unknown[]) => store.db.query(sql).run(...params);
  store.db.transaction(() => {
    for (const [id, u] of bySeq(tree.users)) {
      const superuser = u.role === 'SUPERUSER';
      // A generated superuser password is one-time but does not expire (it waits in a file); every
      // other account's has expired already.
      const oneTime = !superuser || options.superuserPassword === undefined;
      run(
        `INSERT INTO users (id, username, email, password_hash, role, first_name, last_name, title, contact, avatar_sha256,
           password_changed_at, must_change_password, password_expires_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id, str(u.username), str(u.email), hashes.get(id), str(u.role), str(u.firstName) ?? '', str(u.lastName) ?? '', str(u.title) ?? '',
        str(u.contact), str(u.avatarSha256), now, oneTime ? 1 : 0, superuser ? null : now, str(u.createdAt), str(u.updatedAt),
      );
    }
    for (const [id, a] of bySeq(tree.artefacts)) {
      run(
        `INSERT INTO artefacts (id, seq, kind, kind_source, kind_confidence, name, original_filename, file_sha256, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id, num(a.seq), str(a.kind), str(a.kindSource), num(a.kindConfidence), str(a.name), str(a.originalFilename), str(a.fileSha256),
        str(a.createdBy), str(a.createdAt), str(a.updatedAt),
      );
      for (const [field, f] of Object.entries(map(a.fields))) {
        run(
          `INSERT INTO artefact_fields (artefact_id, field, version, value, origin, step, model, confidence, author_id, is_current, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
          id, field, num(f.version), str(f.value), str(f.origin), str(f.step), str(f.model), num(f.confidence), str(f.authorId), str(f.createdAt),
        );
      }
    }
    for (const [id, f] of bySeq(tree.figures)) {
      run(
        'INSERT INTO figures (id, seq, label, headshot_sha256, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        id, num(f.seq), str(f.label), str(f.headshotSha256), str(f.origin), str(f.createdAt), str(f.updatedAt),
      );
    }
    // After every figure and artefact: a face refers to both, and to a suggested figure.
    for (const [figureId, f] of Object.entries(tree.figures)) insertFaces(run, map(f.faces), figureId);
    for (const a of Object.values(tree.artefacts)) insertFaces(run, map(a.faces), null);
    for (const [id, c] of bySeq(tree.categories)) {
      run('INSERT INTO categories (id, seq, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', id, num(c.seq), str(c.name), str(c.description), str(c.createdAt), str(c.updatedAt));
      for (const [artefactId, m] of Object.entries(map(c.members))) {
        run(
          'INSERT INTO category_members (category_id, artefact_id, reason, placed_by, model, user_id, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          id, artefactId, str(m.reason), str(m.placedBy), str(m.model), str(m.userId), str(m.addedAt),
        );
      }
    }
    for (const [id, b] of bySeq(tree.books)) {
      run('INSERT INTO books (id, seq, title, subtitle, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', id, num(b.seq), str(b.title), str(b.subtitle), str(b.createdAt), str(b.updatedAt));
      for (const [artefactId, m] of Object.entries(map(b.members))) {
        run('INSERT INTO book_members (book_id, artefact_id, position, added_at) VALUES (?, ?, ?, ?)', id, artefactId, num(m.position), str(m.addedAt));
      }
    }
    for (const [id, b] of bySeq(tree.batches)) {
      run(
        'INSERT INTO batches (id, seq, name, stage, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        id, num(b.seq), str(b.name), str(b.stage), str(b.createdBy), str(b.createdAt), str(b.updatedAt),
      );
      for (const [artefactId, e] of Object.entries(map(b.entries))) {
        run(
          'INSERT INTO batch_artefacts (batch_id, artefact_id, position, status, error_code, error_message) VALUES (?, ?, ?, ?, ?, ?)',
          id, artefactId, num(e.position), str(e.status), str(e.errorCode), str(e.errorMessage),
        );
      }
    }
    for (const id of Object.keys(tree.artefacts)) store.artefacts.reindex(id);
  });
  const counts = Object.fromEntries(COLLECTIONS.map((c) => [c, Object.keys(tree[c]).length])) as Record<Collection, number>;
  return { ...counts, superuserPasswordFile };
}

function insertFaces(run: (sql: string, ...params: unknown[]) => unknown, faces: Record<string, Doc>, figureId: string | null): void {
  for (const [id, f] of Object.entries(faces)) {
    const box = map(f.box) as Doc;
    const embedding = str(f.embedding);
    run(
      `INSERT INTO faces (id, artefact_id, source_sha256, figure_id, box_x, box_y, box_w, box_h, detector_score, quality, embedding,
         embedding_model, is_exemplar, assignment, similarity, suggested_figure_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id, str(f.artefactId), str(f.sourceSha256), figureId, num(box.x), num(box.y), num(box.w), num(box.h), num(f.detectorScore), num(f.quality),
      embedding === null ? null : Buffer.from(embedding, 'base64'), str(f.embeddingModel), f.exemplar === true ? 1 : 0, str(f.assignment),
      num(f.similarity), str(f.suggestedFigureId), str(f.createdAt),
    );
  }
}
