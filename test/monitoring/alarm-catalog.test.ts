/**
 * The alarm catalog: one record per kind with a docs page inside the package, and the table in
 * lib/monitoring/README.md rendered from it (this test fails with the expected text when they differ).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlarmCatalog } from '../../lib/monitoring';

const ALARM_TABLE_BEGIN = AlarmCatalog.TABLE_BEGIN;
const ALARM_TABLE_END = AlarmCatalog.TABLE_END;

const ROOT = join(__dirname, '..', '..');

describe('the alarm catalog', () => {
  const kinds = AlarmCatalog.all();

  test('ids are unique, lower-case words joined by dashes', () => {
    const ids = kinds.map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  test('every kind has a severity, a meaning, a threshold and its docs page inside the package', () => {
    for (const k of kinds) {
      expect(k.severities.length).toBeGreaterThan(0);
      expect(k.meaning.length).toBeGreaterThan(20);
      expect(k.defaultThreshold.length).toBeGreaterThan(0);
      expect(k.docsPage).toBe(`docs/alarms/${k.id}.md`);
      expect(existsSync(join(ROOT, k.docsPage))).toBe(true);
    }
  });

  test('every docs page says what it means, its likely causes, the first response and how to silence it legitimately', () => {
    for (const k of kinds) {
      const page = readFileSync(join(ROOT, k.docsPage), 'utf8');
      expect(page).toMatch(new RegExp(`^# \`${k.id}\``));
      for (const section of ['## What it means', '## Likely causes', '## First response', '## Silencing it legitimately']) {
        expect(`${k.id}: ${page.includes(section)}`).toBe(`${k.id}: true`);
      }
      // Pages never lead outside the repository.
      expect(page).not.toMatch(/\]\(\.\.\/\.\.\/\.\.\/|\.\.\/shared/);
    }
    const pages = require('node:fs').readdirSync(join(ROOT, 'docs', 'alarms')).filter((f: string) => f.endsWith('.md') && f !== 'README.md');
    expect(pages.sort()).toEqual(kinds.map((k) => `${k.id}.md`).sort());
  });

  test('lib/monitoring/README.md holds the table rendered from the catalog', () => {
    const readme = readFileSync(join(ROOT, 'lib', 'monitoring', 'README.md'), 'utf8');
    const begin = readme.indexOf(ALARM_TABLE_BEGIN);
    const end = readme.indexOf(ALARM_TABLE_END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    // On a difference, jest prints the expected text: paste it between the markers.
    expect(readme.slice(begin, end + ALARM_TABLE_END.length)).toEqual(AlarmCatalog.renderTable());
  });
});
