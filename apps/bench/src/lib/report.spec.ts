import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  machineInfo,
  markdownTable,
  ratioCell,
  summaryCells,
  writeJsonSection,
  writeMarkdown,
  writeSectionReport,
} from './report';
import { summarize } from './stats';

describe('bench reports', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bench-report-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges sections into one JSON file, each dated and placed on its machine', () => {
    writeJsonSection('x', 'transport', { a: 1 }, dir);
    const first = JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8'));
    const path = writeJsonSection('x', 'e2e', { b: 2, machine: { cpus: 64, loadavg_1m: 0 } }, dir);
    const report = JSON.parse(readFileSync(path, 'utf8'));
    expect(report.transport).toEqual({
      a: 1,
      machine: { cpus: cpus().length, loadavg_1m: expect.any(Number) },
      generated_at: first.transport.generated_at,
    });
    // A section's own machine context wins; a later run leaves earlier sections' dates alone.
    expect(report.e2e).toEqual({
      b: 2,
      machine: { cpus: 64, loadavg_1m: 0 },
      generated_at: expect.any(String),
    });
    expect(Date.parse(report.e2e.generated_at)).toBeGreaterThanOrEqual(
      Date.parse(report.transport.generated_at),
    );
    expect(report.generated_at).toBeUndefined();
  });

  it('renders and writes a markdown table', () => {
    const table = markdownTable(['metric', 'value'], [['p50', 1.5]]);
    expect(table).toBe('| metric | value |\n| --- | --- |\n| p50 | 1.5 |');
    const path = writeMarkdown('x', 'transport', table, dir);
    expect(readFileSync(path, 'utf8')).toBe(table + '\n');
  });

  it('writes a section as JSON and Markdown and returns the Markdown', () => {
    const md = writeSectionReport('y', 'codec', { p50: 2 }, '| a |', dir);
    expect(md).toBe('| a |');
    expect(JSON.parse(readFileSync(join(dir, 'y.json'), 'utf8')).codec).toMatchObject({ p50: 2 });
    expect(readFileSync(join(dir, 'y.codec.md'), 'utf8')).toBe('| a |\n');
  });
});

describe('report cells', () => {
  it('renders n, p50, p90, p99 and max of a summary, rounded', () => {
    const s = summarize([1.23456, 2, 3, 4, 1000.04]);
    expect(summaryCells(s)).toEqual([5, 3, 1000, 1000, 1000]);
    expect(summaryCells(summarize([0.12345]))).toEqual([1, 0.123, 0.123, 0.123, 0.123]);
  });

  it('renders a ratio against a baseline', () => {
    expect(ratioCell(3, 2)).toBe('1.5x');
    expect(ratioCell(1, 3)).toBe('0.333x');
  });

  it('describes the machine', () => {
    const m = machineInfo();
    expect(m.cpus).toBe(cpus().length);
    expect(m.loadavg_1m).toBeGreaterThanOrEqual(0);
  });
});
