import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { problemsOf } from '../support/config-problems.js';


const FIREBASE = {
  FIREBASE_PROJECT_ID: 'demo-archaive',
  FIREBASE_DATABASE_URL: 'https://demo-archaive.firebaseio.com/',
  FIREBASE_STORAGE_BUCKET: 'demo-archaive.appspot.com',
};

describe('the Firebase mirror configuration', () => {
  it('is off unless the three FIREBASE_* names are set (empty counts as unset)', () => {
    expect(loadConfig({}).mirror).toBeUndefined();
    expect(loadConfig({ FIREBASE_PROJECT_ID: '', FIREBASE_DATABASE_URL: ' ', FIREBASE_STORAGE_BUCKET: '' }).mirror).toBeUndefined();
    expect(loadConfig(FIREBASE).mirror).toEqual({
      projectId: 'demo-archaive',
      databaseUrl: 'https://demo-archaive.firebaseio.com',
      storageBucket: 'demo-archaive.appspot.com',
      credentialsFile: undefined,
      databaseEmulatorHost: undefined,
      storageEmulatorHost: undefined,
      batchSize: 100,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      timeoutMs: 10_000,
    });
    expect(loadConfig({ ...FIREBASE, FIREBASE_DATABASE_EMULATOR_HOST: '127.0.0.1:9000', STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9199/' }).mirror).toMatchObject({
      databaseEmulatorHost: '127.0.0.1:9000',
      storageEmulatorHost: 'http://127.0.0.1:9199',
    });
  });

  it('leaves GOOGLE_APPLICATION_CREDENTIALS to other tools while the mirror is off', () => {
    expect(problemsOf({ GOOGLE_APPLICATION_CREDENTIALS: '/nowhere/key.json' })).toEqual([]);
  });

  it('names the missing ones when only some are set', () => {
    expect(problemsOf({ FIREBASE_DATABASE_URL: FIREBASE.FIREBASE_DATABASE_URL })).toEqual([
      'FIREBASE_PROJECT_ID: required with FIREBASE_DATABASE_URL to turn the Firebase mirror on (got null)',
      'FIREBASE_STORAGE_BUCKET: required with FIREBASE_DATABASE_URL to turn the Firebase mirror on (got null)',
    ]);
  });

  it('names each wrong variable and what it expects', () => {
    const problems = problemsOf({
      ...FIREBASE,
      FIREBASE_DATABASE_URL: 'http://demo.firebaseio.com',
      FIREBASE_DATABASE_EMULATOR_HOST: 'localhost',
      STORAGE_EMULATOR_HOST: '127.0.0.1:9199',
      MIRROR_BATCH_SIZE: '0',
    });
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('FIREBASE_DATABASE_URL:'))).toMatch(/https:\/\/.*"http:\/\/demo.firebaseio.com"/);
    expect(problems.find((p) => p.startsWith('FIREBASE_DATABASE_EMULATOR_HOST:'))).toMatch(/host:port/);
    expect(problems.find((p) => p.startsWith('STORAGE_EMULATOR_HOST:'))).toMatch(/http:\/\/host:port/);
    expect(problems.find((p) => p.startsWith('MIRROR_BATCH_SIZE:'))).toMatch(/at least 1/);
    expect(problemsOf({ ...FIREBASE, GOOGLE_APPLICATION_CREDENTIALS: '/nowhere/key.json' })).toEqual([
      'GOOGLE_APPLICATION_CREDENTIALS: expected the path of an existing service-account key file (got "/nowhere/key.json")',
    ]);
    expect(problemsOf({ ...FIREBASE, MIRROR_RETRY_BASE_MS: '5000', MIRROR_RETRY_MAX_MS: '1000' })).toEqual([
      'MIRROR_RETRY_MAX_MS: expected at least MIRROR_RETRY_BASE_MS, 5000 (got 1000)',
    ]);
  });
});
