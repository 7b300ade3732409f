/** This gateway's DDS side, as health and metrics see it. */
export interface DdsStatus {
  /** Whether the participant is up. */
  up(): boolean;
  /** Samples counted so far, by direction and topic. */
  samples(): readonly { direction: 'in' | 'out'; topic: string; count: number }[];
  /** Response samples for requests no longer awaited (e.g. a stalled agent's late deltas), ignored. */
  lateResponses(): number;
}
