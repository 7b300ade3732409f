/**
 * `nx run bench:dds-overhead`: runs every section of the DDS overhead benchmark in turn, each
 * measuring our stack against a baseline in the same run, and writes dist/bench/dds-overhead.json
 * plus one Markdown table per section.
 */
import { join } from 'node:path';
import { sections } from './sections';

/** Benchmarks run the whole fleet on this machine: keep DDS on loopback unless told otherwise. */
function useLoopbackDds(): void {
  const config = join(__dirname, '..', '..', '..', 'tools', 'dds', 'cyclonedds-loopback.xml');
  process.env['CYCLONEDDS_URI'] ??= `file://${config}`;
}

async function main(): Promise<void> {
  useLoopbackDds();
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const chosen = only.length ? sections.filter((s) => only.includes(s.name)) : sections;
  if (chosen.length === 0) {
    throw new Error(
      `no such section: ${only.join(', ')} (have: ${sections.map((s) => s.name).join(', ')})`,
    );
  }
  for (const section of chosen) {
    process.stdout.write(`\n## ${section.name}\n\n`);
    const markdown = await section.run();
    process.stdout.write(markdown + '\n');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
