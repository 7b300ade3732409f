import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { round, type Summary } from './stats';

/** Where every benchmark writes its results (relative to the workspace root). */
export const BENCH_OUTPUT_DIR = join('dist', 'bench');

/**
 * Merges `section` into the JSON report `name` (so several sections of one benchmark, run
 * separately, add up to one file) and returns the path written. Each section carries its own
 * `generated_at` and, unless it measured its own, the `machine` it ran on: a run of some sections
 * leaves the others as they were, dated as they were.
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
  // A file-wide date would vouch for sections this run did not measure.
  delete report['generated_at'];
  const stamped =
    typeof data === 'object' && data !== null && !Array.isArray(data)
      ? { machine: machineInfo(), ...data, generated_at: new Date().toISOString() }
      : data;
  report[section] = stamped;
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

/**
 * Writes one section of a benchmark both ways: its data merged into `<name>.json` and its
 * Markdown to `<name>.<section>.md`. Returns the Markdown, which is what a section's `run` returns.
 */
export function writeSectionReport(
  name: string,
  section: string,
  data: unknown,
  markdown: string,
  dir = BENCH_OUTPUT_DIR,
): string {
  writeJsonSection(name, section, data, dir);
  writeMarkdown(name, section, markdown, dir);
  return markdown;
}

/** The machine a timing was taken on: microsecond figures move with what else it runs. */
export interface MachineInfo {
  readonly cpus: number;
  readonly loadavg_1m: number;
}

/** CPU count and the current 1-minute load average (rounded), to report next to timings. */
export function machineInfo(): MachineInfo {
  return { cpus: cpus().length, loadavg_1m: round(loadavg()[0] ?? 0) };
}

/** The table cells `n, p50, p90, p99, max` of a summary, rounded. */
export function summaryCells(s: Summary): (string | number)[] {
  return [s.n, round(s.p50), round(s.p90), round(s.p99), round(s.max)];
}

/** `value / baseline` as a table cell, e.g. `1.23x`. */
export function ratioCell(value: number, baseline: number): string {
  return `${round(value / baseline)}x`;
}
