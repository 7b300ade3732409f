/**
 * Why no agent could take a request, from the most to the least definitive:
 * - `unknown-model`: no candidate serves the model (or an alias): HTTP 404;
 * - `unsupported`: the model is served, but not with the required specialization/capabilities: 400;
 * - `unhealthy`: matching agents exist but all are offline or draining: 503;
 * - `all-busy`: matching healthy agents exist but none has a free slot: queue and retry.
 */
export type NoAgentReason = 'unknown-model' | 'unsupported' | 'unhealthy' | 'all-busy';

/** No agent can serve the request now; {@link NoAgentError.reason} says why. */
export class NoAgentError extends Error {
  override readonly name = 'NoAgentError';

  constructor(
    readonly reason: NoAgentReason,
    readonly model: string,
    message: string = defaultMessage(reason, model),
  ) {
    super(message);
  }
}

function defaultMessage(reason: NoAgentReason, model: string): string {
  switch (reason) {
    case 'unknown-model':
      return `The model '${model}' does not exist or no agent serves it`;
    case 'unsupported':
      return `No agent serving '${model}' supports what this request needs`;
    case 'unhealthy':
      return `No healthy agent serves '${model}' right now`;
    case 'all-busy':
      return `Every agent serving '${model}' is busy`;
  }
}
