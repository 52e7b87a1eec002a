import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Registered {
  name: string;
  licence: string;
}

const registered = (JSON.parse(readFileSync('models/context.json', 'utf8')) as { models: Registered[] }).models;

/** The rows of the first Markdown table after `heading` whose first cell names models in backticks: name → licence cell. */
function licenceCells(markdown: string, heading: string, licenceColumn: number): Map<string, string> {
  const cells = new Map<string, string>();
  const section = markdown.slice(markdown.indexOf(heading));
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const columns = line.split('|').map((c) => c.trim());
    for (const name of columns[1]?.match(/`[^`]+`/g) ?? []) cells.set(name.slice(1, -1), columns[licenceColumn + 1] ?? '');
  }
  return cells;
}

describe('licences', () => {
  it('are the same for every model in the registry, THIRD_PARTY_NOTICES.md and the README', () => {
    const notices = licenceCells(readFileSync('THIRD_PARTY_NOTICES.md', 'utf8'), '| Model | Licence', 1);
    const readme = licenceCells(readFileSync('README.md', 'utf8'), '| Model | Task | Licence', 2);
    expect(registered.length).toBeGreaterThan(0);
    for (const { name, licence } of registered) {
      // An SPDX identifier: what a person or a licence scanner can look up.
      expect(licence, name).toMatch(/^[A-Za-z0-9.-]+(-or-later)?$/);
      expect(notices.get(name), `THIRD_PARTY_NOTICES.md row for ${name}`).toBe(licence);
      expect(readme.get(name)?.split(' ')[0], `README models-table row for ${name}`).toBe(licence);
    }
  });

  it('ships the project licence, and the package says which', () => {
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License/);
    expect((JSON.parse(readFileSync('package.json', 'utf8')) as { license?: string }).license).toBe('MIT');
  });
});
