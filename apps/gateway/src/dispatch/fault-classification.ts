import { OpenAIRequestError } from '@dds/openai-schema';
import { ProtocolError, type ProtocolErrorCode } from '@dds/protocol';

/** Protocol codes of a request the gateway could not encode: the request is at fault. */
const ENCODE_FAULTS: Partial<Record<ProtocolErrorCode, string>> = {
  body_too_deep: 'nesting_too_deep',
  field_too_long: 'request_too_large',
  invalid_body: 'invalid_value',
};

/**
 * Classifies a failure to hand a request to an agent. An encoding failure (too deep, too long,
 * not serialisable) is the client's: it becomes a 400 naming the field, which the scheduler
 * neither retries nor counts against the agent's breaker. Anything else is returned as it is.
 */
export function classifyEncodeFailure(err: unknown, body: Record<string, unknown>): unknown {
  if (!(err instanceof ProtocolError)) return err;
  const code = ENCODE_FAULTS[err.code];
  if (code === undefined) return err;
  return new OpenAIRequestError(
    `The request cannot be sent to an agent: ${err.message}.`,
    paramOf(err, body),
    code,
  );
}

/** The field at fault: the path the protocol named, or else the body's largest field. */
function paramOf(err: ProtocolError, body: Record<string, unknown>): string | null {
  const path = /^body\.(\S+) nests deeper/.exec(err.message)?.[1];
  if (path) return path;
  let best: string | null = null;
  let bestLength = -1;
  for (const [key, value] of Object.entries(body)) {
    let length: number;
    try {
      length = JSON.stringify(value)?.length ?? 0;
    } catch {
      // The very field that cannot be serialised.
      return key;
    }
    if (length > bestLength) {
      best = key;
      bestLength = length;
    }
  }
  return best;
}
