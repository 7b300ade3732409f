import {
  BadGatewayError,
  GatewayTimeoutError,
  InternalServerError,
  ModelNotFoundError,
  OpenAIRequestError,
  QueueFullError as OpenAIQueueFullError,
  ServiceUnavailableError,
} from '@dds/openai-schema';
import {
  AgentFailedError,
  DeadlineExceededError,
  InvalidJobError,
  NoCapacityError,
  QueueFullError,
  SchedulerClosedError,
} from '@dds/scheduler';
import { isRetryable } from './agent-dispatcher.service';
import { toClientError } from './client-errors';
import { strategyName } from './completion.service';
import { AgentAttemptError } from './gateway-job';

describe('toClientError', () => {
  it('maps scheduler outcomes onto OpenAI statuses', () => {
    const full = toClientError(new QueueFullError(2500, 100), 1000);
    expect(full).toBeInstanceOf(OpenAIQueueFullError);
    expect((full as OpenAIQueueFullError).retryAfterSeconds).toBe(3);
    expect(toClientError(new DeadlineExceededError('running', 1000), 1000)).toBeInstanceOf(
      GatewayTimeoutError,
    );
    expect(toClientError(new NoCapacityError(), 1000)).toBeInstanceOf(ServiceUnavailableError);
    expect(toClientError(new SchedulerClosedError(), 1000).status).toBe(503);
    expect(toClientError(new InvalidJobError('bad'), 1000).status).toBe(400);
  });

  it('maps agent failures by their protocol code', () => {
    const failed = (code: string) =>
      new AgentFailedError('a', 3, false, new AgentAttemptError(code, `boom ${code}`, true));
    expect(toClientError(failed('engine_error'), 1000)).toBeInstanceOf(BadGatewayError);
    expect(toClientError(failed('agent_gone'), 1000).status).toBe(502);
    // Codes come from peers: one that names an Object property is still just an agent failure.
    expect(toClientError(failed('constructor'), 1000)).toBeInstanceOf(BadGatewayError);
    expect(toClientError(failed('__proto__'), 1000)).toBeInstanceOf(BadGatewayError);
    expect(toClientError(failed('deadline_exceeded'), 1000)).toBeInstanceOf(GatewayTimeoutError);
    const refused = toClientError(
      new AgentAttemptError('invalid_field', 'temperature out of range', false),
      1000,
    );
    expect(refused).toBeInstanceOf(OpenAIRequestError);
    expect(refused.message).toBe('temperature out of range');
    expect(toClientError(failed('context_length_exceeded'), 1000)).toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
    });
  });

  it('passes OpenAI errors through and hides anything else behind a 500', () => {
    const notFound = new ModelNotFoundError('x');
    expect(toClientError(notFound, 1000)).toBe(notFound);
    const hidden = toClientError(new Error('secret internals'), 1000);
    expect(hidden).toBeInstanceOf(InternalServerError);
    expect(hidden.message).not.toContain('secret');
  });
});

describe('isRetryable', () => {
  it('retries agent losses and engine errors, not refusals', () => {
    expect(isRetryable(new AgentAttemptError('agent_gone', 'x', true))).toBe(true);
    expect(isRetryable(new AgentAttemptError('invalid_field', 'x', false))).toBe(false);
    expect(isRetryable(new Error('aborted: agent lost'))).toBe(true);
    expect(isRetryable(new OpenAIRequestError('bad session id', 'x-session-id'))).toBe(false);
  });
});

describe('strategyName', () => {
  it("accepts the selector's names and the long aliases", () => {
    expect(strategyName('least-loaded')).toBe('least-loaded');
    expect(strategyName('latency-aware')).toBe('latency');
    expect(strategyName('session-affinity')).toBe('session');
    expect(strategyName('prefix-affinity')).toBe('prefix');
    expect(strategyName('fastest')).toBeUndefined();
  });
});
