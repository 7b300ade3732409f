import type { RequestRecord, SelectionExplanation } from '../connection/frames';

/**
 * One line saying why the selector chose the agent it chose: the winning candidate's reason,
 * how many candidates it beat, what was filtered out and any note from the strategy.
 */
export function describeDecision(explanation: SelectionExplanation): string {
  const parts: string[] = [];
  const winner = explanation.candidates.find((c) => c.id === explanation.agentId);
  const others = explanation.candidates.length - (winner ? 1 : 0);
  parts.push(
    winner?.reason
      ? `${winner.reason}${others > 0 ? `, best of ${others + 1}` : ', only candidate'}`
      : `${explanation.candidates.length} candidate${explanation.candidates.length === 1 ? '' : 's'}`,
  );
  const filtered = Object.entries(explanation.filteredOut ?? {})
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${n} ${why}`);
  if (filtered.length) parts.push(`filtered out: ${filtered.join(', ')}`);
  if (explanation.healthTier === 'suspect') parts.push('no healthy agent: used a suspect one');
  if (explanation.note) parts.push(explanation.note);
  return parts.join('; ');
}

/** The outcome as the recent-requests list labels it. */
export function outcomeLabel(record: RequestRecord): string {
  switch (record.outcome) {
    case 'completed':
      return 'ok';
    case 'retried':
      return `ok after ${record.attempts} attempts`;
    case 'resumed':
      // The serving agent was lost mid-answer and another one continued it.
      return 'resumed';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return `failed ${record.status}`;
  }
}
