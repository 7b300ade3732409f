/** Milliseconds for a table cell: `0.42 ms`, `12 ms`, `1.3 s`; `–` when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** How long ago `thenMs` was at `nowMs`: `now`, `3 s ago`, `2 min ago`. */
export function formatAgo(thenMs: number, nowMs: number): string {
  if (!Number.isFinite(thenMs)) return '–';
  const s = Math.max(0, (nowMs - thenMs) / 1000);
  if (s < 1) return 'now';
  if (s < 90) return `${Math.floor(s)} s ago`;
  if (s < 5400) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** A rate or a figure with at most one decimal. */
export function formatNumber(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}
