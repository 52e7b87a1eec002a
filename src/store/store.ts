import path from 'node:path';
import { Db } from './db.js';
import { FileStore } from './files.js';
import { ArtefactRepository } from './repositories/artefacts.js';
import { AuditRepository } from './repositories/audit.js';
import { BatchRepository } from './repositories/batches.js';
import { BookRepository } from './repositories/books.js';
import { CategoryRepository } from './repositories/categories.js';
import { FigureChangeRepository } from './repositories/figure-changes.js';
import { FigureRepository } from './repositories/figures.js';
import { MaintenanceRepository } from './repositories/maintenance.js';
import { ModelRecordRepository } from './repositories/model-records.js';
import { SessionRepository } from './repositories/sessions.js';
import { SignInFailureRepository } from './repositories/sign-in-failures.js';
import { StepFailureRepository } from './repositories/step-failures.js';
import { TraceRepository } from './repositories/traces.js';
import { UserRepository } from './repositories/users.js';
import { searchForms } from './search-forms.js';

/** The embedded store: one SQLite database and the content-addressed files beside it. */
export class Store {
  readonly db: Db;
  readonly files: FileStore;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly signInFailures: SignInFailureRepository;
  readonly audit: AuditRepository;
  readonly artefacts: ArtefactRepository;
  readonly batches: BatchRepository;
  readonly categories: CategoryRepository;
  readonly books: BookRepository;
  readonly figures: FigureRepository;
  readonly figureChanges: FigureChangeRepository;
  readonly stepFailures: StepFailureRepository;
  readonly traces: TraceRepository;
  readonly models: ModelRecordRepository;
  readonly maintenance: MaintenanceRepository;

  constructor(dataDir: string, limits: { maxBytes: number; maxPixels: number }) {
    this.db = new Db(path.join(dataDir, 'archaive.sqlite'));
    this.files = new FileStore(this.db, dataDir, limits);
    this.users = new UserRepository(this.db);
    this.sessions = new SessionRepository(this.db);
    this.signInFailures = new SignInFailureRepository(this.db);
    this.audit = new AuditRepository(this.db);
    this.artefacts = new ArtefactRepository(this.db, searchForms);
    this.batches = new BatchRepository(this.db);
    this.categories = new CategoryRepository(this.db);
    this.books = new BookRepository(this.db);
    this.figures = new FigureRepository(this.db, searchForms);
    this.figureChanges = new FigureChangeRepository(this.db);
    this.stepFailures = new StepFailureRepository(this.db);
    this.traces = new TraceRepository(this.db);
    this.models = new ModelRecordRepository(this.db);
    this.maintenance = new MaintenanceRepository(this.db);
  }

  /** True when the database answers. */
  ping(): boolean {
    return this.db.query<{ ok: number }>('SELECT 1 AS ok').get()?.ok === 1;
  }

  close(): void {
    this.db.close();
  }
}
