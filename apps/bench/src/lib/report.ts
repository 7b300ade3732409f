import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where every benchmark writes its results (relative to the workspace root). */
export const BENCH_OUTPUT_DIR = join('dist', 'bench');

/**
 * Merges `section` into the JSON report `name` (so several sections of one benchmark, run
 * separately, add up to one file) and returns the path written.
 */
export function writeJsonSection(
  name: string,
  section: string,
  data: unknown,
  dir = BENCH_OUTPUT_DIR,
): string {
  const path = join(dir, `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  let report: Record<string, unknown> = {};
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    // No report yet (or an unreadable one): start afresh.
  }
  report[section] = data;
  report['generated_at'] = new Date().toISOString();
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
  return path;
}

/** Renders rows as a Markdown table. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Writes the Markdown next to the JSON (`<name>.<section>.md`) and returns the path. */
export function writeMarkdown(
  name: string,
  section: string,
  markdown: string,
  dir = BENCH_OUTPUT_DIR,
): string {
  const path = join(dir, `${name}.${section}.md`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, markdown + '\n');
  return path;
}
