import {
  BadGatewayError,
  GatewayTimeoutError,
  InternalServerError,
  OpenAIError,
  OpenAIRequestError,
  QueueFullError as OpenAIQueueFullError,
  ServiceUnavailableError,
} from '@dds/openai-schema';
import {
  AgentFailedError,
  SchedulerError,
  type QueueFullError,
  type SchedulerErrorCode,
} from '@dds/scheduler';
import { AgentAttemptError } from './gateway-job';

/** Builds the client's error from a failure's message (and its deadline, for timeouts). */
type ToClient = (err: Error, deadlineMs: number) => OpenAIError;

const timedOut: ToClient = (_err, deadlineMs) =>
  new GatewayTimeoutError(`The request did not complete within its deadline of ${deadlineMs} ms.`);
const requestFault: ToClient = (err) => new OpenAIRequestError(err.message);
const unavailable: ToClient = (err) => new ServiceUnavailableError(err.message);
const agentFailed: ToClient = (err) => new BadGatewayError(`The agent failed: ${err.message}`);
const internal: ToClient = () => new InternalServerError();

/**
 * Every scheduler outcome, by its code, as the OpenAI error (status and type) the client gets.
 * Exhaustive: a new scheduler code does not compile until it has a row here.
 */
const SCHEDULER_ERRORS: Readonly<Record<SchedulerErrorCode, ToClient>> = {
  queue_full: (err) =>
    new OpenAIQueueFullError(Math.max(1, Math.ceil((err as QueueFullError).retryAfterMs / 1000))),
  deadline_exceeded: timedOut,
  no_capacity: unavailable,
  scheduler_closed: unavailable,
  invalid_job: requestFault,
  agent_failed: agentFailed,
  // The client went away: nobody reads the answer, and nothing about it is the client's fault.
  cancelled: internal,
};

/**
 * Codes an agent (or the channel to it) reports, when they mean something other than "the agent
 * failed" (502): the request was at fault, or ran out of time. A Map: the codes come from peers,
 * and `constructor` must not find Object's.
 */
const AGENT_ERRORS: ReadonlyMap<string, ToClient> = new Map<string, ToClient>(
  Object.entries({
    invalid_field: requestFault,
    malformed_json: requestFault,
    unknown_kind: requestFault,
    field_too_long: requestFault,
    // The gateway routed to an agent that then disowned the model: the fleet's fault, not the client's.
    model_not_found: (err) => new BadGatewayError(err.message),
    context_length_exceeded: (err) =>
      new OpenAIRequestError(err.message, 'messages', 'context_length_exceeded'),
    deadline_exceeded: timedOut,
  }),
);

/** Maps whatever a job failed with to the OpenAI error the client sees. */
export function toClientError(err: unknown, deadlineMs: number): OpenAIError {
  if (err instanceof OpenAIError) return err;
  const attempt =
    err instanceof AgentAttemptError
      ? err
      : err instanceof AgentFailedError && err.cause instanceof AgentAttemptError
        ? err.cause
        : undefined;
  if (attempt) return (AGENT_ERRORS.get(attempt.code) ?? agentFailed)(attempt, deadlineMs);
  if (err instanceof SchedulerError) return SCHEDULER_ERRORS[err.code](err, deadlineMs);
  return new InternalServerError();
}
