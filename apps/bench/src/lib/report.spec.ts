import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, writeJsonSection, writeMarkdown } from './report';

describe('bench reports', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bench-report-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges sections into one JSON file', () => {
    writeJsonSection('x', 'transport', { a: 1 }, dir);
    const path = writeJsonSection('x', 'e2e', { b: 2 }, dir);
    const report = JSON.parse(readFileSync(path, 'utf8'));
    expect(report.transport).toEqual({ a: 1 });
    expect(report.e2e).toEqual({ b: 2 });
    expect(typeof report.generated_at).toBe('string');
  });

  it('renders and writes a markdown table', () => {
    const table = markdownTable(['metric', 'value'], [['p50', 1.5]]);
    expect(table).toBe('| metric | value |\n| --- | --- |\n| p50 | 1.5 |');
    const path = writeMarkdown('x', 'transport', table, dir);
    expect(readFileSync(path, 'utf8')).toBe(table + '\n');
  });
});
