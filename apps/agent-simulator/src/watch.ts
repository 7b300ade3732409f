/**
 * `tools/dds-watch [--dds-domain N] [--once MS] [--json]`: a live table of the agents on a
 * domain (registration, status, requests in flight).
 */
import { DomainParticipant } from '@dds/transport';
import { Command, InvalidArgumentError } from 'commander';
import { FleetWatch, renderTable } from './lib/fleet-watch';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
};

const opts = new Command('dds-watch')
  .description('Live table of the dds-llm agents on a DDS domain.')
  .option('--dds-domain <id>', 'DDS domain id', int, 0)
  .option('--once <ms>', 'print one snapshot after this many ms, then exit', int)
  .option('--json', 'print JSON instead of a table')
  .parse()
  .opts<{ ddsDomain: number; once?: number; json?: boolean }>();

const participant = new DomainParticipant({ domainId: opts.ddsDomain });
const watch = new FleetWatch(participant);
const snapshot = () =>
  opts.json
    ? JSON.stringify({ requestsSeen: watch.requestsSeen, agents: watch.rows() })
    : renderTable(watch.rows(), watch.requestsSeen);

function shutdown(): void {
  watch.close();
  participant.close();
  process.exit(0);
}

if (opts.once !== undefined) {
  setTimeout(() => {
    process.stdout.write(snapshot() + '\n');
    shutdown();
  }, opts.once);
} else {
  let pending = false;
  const draw = () => {
    pending = false;
    const tty = process.stdout.isTTY;
    process.stdout.write((tty ? '\x1b[2J\x1b[H' : '') + snapshot() + '\n' + (tty ? '' : '\n'));
  };
  // Redraw at most 4 times a second however busy the domain is.
  watch.onChange(() => {
    if (!pending) {
      pending = true;
      setTimeout(draw, 250);
    }
  });
  draw();
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
