import type { FleetRow } from '../data/fleet-state';
import { formatAgo, formatMs, formatNumber } from '../data/format';

export interface FleetTableProps {
  readonly rows: readonly FleetRow[];
  readonly models: readonly string[];
  readonly model: string;
  readonly onModel: (model: string) => void;
  readonly now: number;
}

/** The live fleet: one row per agent, joins and leaves animated, filterable by model. */
export function FleetTable({ rows, models, model, onModel, now }: FleetTableProps) {
  return (
    <section class="panel" aria-labelledby="fleet-title">
      <header class="panel-head">
        <h2 id="fleet-title">Fleet</h2>
        <label class="filter">
          Model{' '}
          <select
            aria-label="Filter by model"
            value={model}
            onChange={(e) => onModel((e.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">all models</option>
            {(model && !models.includes(model) ? [...models, model] : models).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </header>
      <div class="table-wrap">
        <table class="fleet" aria-label="Fleet">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Host</th>
              <th>Model(s)</th>
              <th>Kind</th>
              <th>Transport</th>
              <th>Health</th>
              <th>Slots</th>
              <th class="num">Queue</th>
              <th class="num">EMA latency</th>
              <th class="num">Tokens/s</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr class="empty">
                <td colSpan={10}>
                  {model ? `No agent serves ${model}.` : 'No agents on the domain yet.'}
                </td>
              </tr>
            )}
            {rows.map(({ agent, phase, lastSeenAt }) => {
              const busy = Math.min(agent.slots_busy, agent.slots);
              return (
                <tr
                  key={agent.id}
                  class={`row-${phase}`}
                  data-agent-id={agent.id}
                  data-health={agent.health}
                >
                  <td class="mono">{agent.id}</td>
                  <td>{agent.hostname || '–'}</td>
                  <td>{agent.models.join(', ')}</td>
                  <td>{agent.specialization}</td>
                  <td>
                    <span class={`tag tag-${agent.transport}`}>
                      {agent.transport.toUpperCase()}
                    </span>
                  </td>
                  <td class="health">
                    <span
                      class={`badge badge-${agent.health}`}
                      title={agent.health_reason || undefined}
                    >
                      {agent.health}
                    </span>
                    <span class="muted"> heartbeat {formatAgo(lastSeenAt, now)}</span>
                  </td>
                  <td class="slots">
                    <div class="cell">
                      <span class="bar" aria-hidden="true">
                        <span
                          style={{ width: `${agent.slots ? (100 * busy) / agent.slots : 0}%` }}
                        />
                      </span>
                      {agent.slots_busy}/{agent.slots}
                    </div>
                  </td>
                  <td class="num">{agent.queue_depth}</td>
                  <td class="num">{formatMs(agent.latency_ms || null)}</td>
                  <td class="num">{formatNumber(agent.tokens_per_second)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
