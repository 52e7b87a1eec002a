import sharp from 'sharp';
import type { Store } from './store.js';

// Lines in the style of the Chamber's minute books and event captions, to make searchable data.
const MINUTES = [
  '新嘉坡中華商務總會議事簿',
  '勸諭亟立商會以固團體以維商務',
  '擬定試辦章程八十有二章',
  '選立會員分職任勞用人司理',
  '議事專條交涉辦法利弊興除',
  '發起人分勸各商號簽名入會',
];
const TRANSLATIONS = [
  'Minute book of the Singapore Chinese Chamber of Commerce',
  'Urging the prompt founding of a chamber to unite the merchants',
  'Drafted provisional regulations of eighty-two articles',
  'Election of members and division of duties',
  'Rules of procedure and methods of negotiation',
  'Founders urged the firms to sign up as members',
];
const CAPTIONS = [
  'Panel discussion at the business forum',
  'Group photo of the convention guests',
  'Members at the annual dinner',
  'Welcome banner at the chamber entrance',
  'Signing ceremony with visiting delegates',
];

// Every seeded field is written by this step: it tells seeded artefacts from real ones.
const SEED_STEP = 'seed';

/** How many artefacts a seed made (those with a field the seed wrote). */
export function countSeeded(store: Store): number {
  return store.db.query<{ n: number }>('SELECT COUNT(DISTINCT artefact_id) AS n FROM artefact_fields WHERE step = ?').get(SEED_STEP)?.n ?? 0;
}

export interface SeedCounts {
  artefacts: number;
  categories: number;
  books: number;
  figures: number;
}

/**
 * Fills the store with a synthetic catalogue (for benchmarks, tests and demos): artefacts with
 * machine-written fields, categories with reasons, ordered books and figures with faces. Clearly
 * synthetic: names say "Demo".
 */
export async function seedCatalogue(store: Store, counts: SeedCounts, createdBy: string | null = null): Promise<{ artefactIds: string[] }> {
  const images = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 30 * i } } })
        .png()
        .toBuffer();
      return (await store.files.putImage(png)).sha256;
    }),
  );
  const categories = Array.from({ length: counts.categories }, (_, i) =>
    store.categories.create({ name: `Demo category ${i + 1}`, description: `Synthetic category ${i + 1}` }),
  );
  const books = Array.from({ length: counts.books }, (_, i) => store.books.create({ title: `Demo minute book ${i + 1}`, subtitle: null }));
  const figures = Array.from({ length: counts.figures }, (_, i) =>
    store.figures.create({ label: i % 3 === 2 ? null : `Demo person ${i + 1}`, headshotSha256: null, origin: 'SEED' }),
  );
  const artefactIds: string[] = [];
  store.db.transaction(() => {
    for (let i = 0; i < counts.artefacts; i++) {
      const mm = i % 2 === 0;
      // Each kind counts its own items (Demo minutes 1, 2, …; Demo photo 1, 2, …), so collections fill evenly.
      const n = Math.floor(i / 2);
      const a = store.artefacts.create({
        name: `Demo ${mm ? 'minutes' : 'photo'} ${n + 1}`,
        originalFilename: `demo-${i + 1}.png`,
        fileSha256: images[i % images.length] as string,
        kind: mm ? 'MM' : 'HF',
        kindSource: 'CLASSIFIER',
        kindConfidence: 0.97,
        createdBy,
      });
      artefactIds.push(a.id);
      const k = n % MINUTES.length;
      store.artefacts.writeFields(
        a.id,
        mm
          ? [
              { field: 'transcription', value: `${MINUTES[k]}${i}`, origin: 'MACHINE', step: SEED_STEP, model: 'demo', confidence: 0.5 },
              { field: 'translation', value: `${TRANSLATIONS[k]} (${i})`, origin: 'MACHINE', step: SEED_STEP, model: 'demo' },
            ]
          : [{ field: 'caption', value: `${CAPTIONS[n % CAPTIONS.length]} ${i}`, origin: 'MACHINE', step: SEED_STEP, model: 'demo' }],
      );
      if (mm && books.length > 0) store.books.place((books[n % books.length] as { id: string }).id, a.id, null);
      if (!mm && categories.length > 0) {
        store.categories.addMember({
          categoryId: (categories[n % categories.length] as { id: string }).id,
          artefactId: a.id,
          reason: 'Seeded',
          placedBy: 'MODEL',
          model: 'demo',
          userId: null,
        });
      }
      if (!mm && figures.length > 0) {
        for (let f = 0; f < 2; f++) {
          store.figures.addFace({
            artefactId: a.id,
            sourceSha256: null,
            figureId: (figures[(n + f) % figures.length] as { id: string }).id,
            box: { x: 10 + f * 20, y: 10, w: 16, h: 16 },
            assignment: 'AUTO',
          });
        }
      }
    }
  });
  return { artefactIds };
}
