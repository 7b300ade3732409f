import type { RequestRecord } from '../connection/frames';
import { describeDecision, outcomeLabel } from '../data/explain';
import { formatMs } from '../data/format';

/** The sampled requests, newest first, with where each went and why. */
export function RecentRequests({ requests }: { readonly requests: readonly RequestRecord[] }) {
  return (
    <section class="panel" aria-labelledby="requests-title">
      <header class="panel-head">
        <h2 id="requests-title">Recent requests</h2>
        <span class="muted">sampled routing decisions</span>
      </header>
      <div class="table-wrap tall">
        <table class="requests" aria-label="Recent requests">
          <thead>
            <tr>
              <th>Time</th>
              <th>Request</th>
              <th>Model</th>
              <th>Agent</th>
              <th>Strategy</th>
              <th>Why this agent</th>
              <th class="num">Queue</th>
              <th class="num">TTFT</th>
              <th class="num">Tokens</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {requests.length === 0 && (
              <tr class="empty">
                <td colSpan={10}>No requests yet.</td>
              </tr>
            )}
            {requests.map((r) => (
              <tr key={r.id} data-request-id={r.id} data-outcome={r.outcome}>
                <td class="muted">{new Date(r.at).toLocaleTimeString()}</td>
                <td class="mono ellipsis" title={r.id}>
                  {r.id}
                </td>
                <td>{r.model}</td>
                <td class="mono agent">{r.agent ?? '–'}</td>
                <td>{r.strategy ?? '–'}</td>
                <td class="why">
                  {r.explanation ? describeDecision(r.explanation) : (r.error ?? '–')}
                </td>
                <td class="num">{formatMs(r.queue_ms)}</td>
                <td class="num">{formatMs(r.ttft_ms)}</td>
                <td class="num">{r.tokens ?? '–'}</td>
                <td>
                  <span class={`badge outcome-${r.outcome}`} title={r.error ?? undefined}>
                    {outcomeLabel(r)}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
