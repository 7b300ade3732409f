/** Extracts the files of the README's example: fenced blocks whose first line is `// <path>`. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const README = join(__dirname, '..', '..', 'README.md');

export function writeReadmeExample(dir: string): string[] {
  const text = readFileSync(README, 'utf8');
  const written: string[] = [];
  for (const m of text.matchAll(/```\w+\n(\/\/ ([^\n]+)\n[\s\S]*?)```/g)) {
    const path = m[2].trim();
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), m[1]);
    written.push(path);
  }
  return written;
}

/** The `dds-idl gen` command line the README shows, as arguments after `dds-idl`. */
export function readmeGenArgs(): string[] {
  const m = /npx dds-idl (gen [^\n]+)/.exec(readFileSync(README, 'utf8'));
  if (!m) throw new Error('README shows no dds-idl command');
  return m[1].trim().split(/\s+/);
}
