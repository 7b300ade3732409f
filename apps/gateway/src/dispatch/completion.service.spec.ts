import { OpenAIRequestError } from '@dds/openai-schema';
import type { Scheduler } from '@dds/scheduler';
import { loadConfig } from '../config/config.loader';
import { CompletionService } from './completion.service';
import type { GatewayJob, JobOutcome } from './gateway-job';

// prepareChat/prepareEmbedding are pure: they never touch the scheduler.
const noScheduler = {} as Scheduler<GatewayJob, JobOutcome>;

function service(env: Record<string, string> = {}): CompletionService {
  return new CompletionService(loadConfig({ env }).config, noScheduler);
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

function paramOf(fn: () => unknown): string | null | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof OpenAIRequestError) return err.param;
    throw err;
  }
  throw new Error('expected an OpenAIRequestError');
}

describe('CompletionService.prepareChat', () => {
  it('maps x-priority onto the scheduler levels (0 = highest) and the agent priority', () => {
    const s = service();
    expect(s.prepareChat(chat(), { priority: 'high' })).toMatchObject({
      priority: 0,
      agentPriority: 2,
    });
    expect(s.prepareChat(chat(), {})).toMatchObject({ priority: 1, agentPriority: 1 });
    expect(s.prepareChat(chat(), { priority: 'LOW' })).toMatchObject({
      priority: 2,
      agentPriority: 0,
    });
    const five = service({ DDS_LLM_SCHEDULER_PRIORITY_LEVELS: '5' });
    expect(five.prepareChat(chat(), { priority: 'normal' }).priority).toBe(2);
    expect(five.prepareChat(chat(), { priority: 'low' }).priority).toBe(4);
    expect(paramOf(() => s.prepareChat(chat(), { priority: 'urgent' }))).toBe('x-priority');
  });

  it('takes the deadline from x-request-timeout (seconds) or server.request_timeout', () => {
    const s = service({ DDS_LLM_SERVER_REQUEST_TIMEOUT: '30' });
    expect(s.prepareChat(chat(), {}).deadlineMs).toBe(30_000);
    expect(s.prepareChat(chat(), { timeout: '2.5' }).deadlineMs).toBe(2_500);
    for (const bad of ['0', '-1', 'soon', '7200']) {
      expect(paramOf(() => s.prepareChat(chat(), { timeout: bad }))).toBe('x-request-timeout');
    }
  });

  it('derives routing: vision for image parts, functions for tools, the strategy and session', () => {
    const s = service();
    const image = s.prepareChat(
      chat({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }],
          },
        ],
        tools: [{ type: 'function', function: { name: 'f' } }],
      }),
      { sessionId: 'sess-1', strategy: 'latency-aware' },
    );
    expect(image.selection).toMatchObject({
      model: 'm',
      specialization: 'vision',
      capabilities: ['functions'],
      sessionId: 'sess-1',
      strategy: 'latency',
    });
    expect(image.sessionId).toBe('sess-1');
    const plain = s.prepareChat(
      chat({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' }),
      {},
    );
    expect(plain.selection.specialization).toBeUndefined();
    expect(plain.selection.capabilities).toBeUndefined();
    expect(paramOf(() => s.prepareChat(chat(), { strategy: 'fastest' }))).toBe(
      'x-selector-strategy',
    );
  });

  it('ignores the strategy header when overrides are off', () => {
    const s = service({
      DDS_LLM_SELECTOR_ALLOW_HEADER_OVERRIDE: 'false',
      DDS_LLM_SELECTOR_STRATEGY: 'round-robin',
    });
    expect(s.prepareChat(chat(), { strategy: 'fastest' }).selection.strategy).toBe('round-robin');
  });

  it('enforces the message and token limits, naming the parameter', () => {
    const s = service({ DDS_LLM_LIMITS_MAX_MESSAGES: '2', DDS_LLM_LIMITS_MAX_TOKENS: '100' });
    const three = Array.from({ length: 3 }, () => ({ role: 'user', content: 'x' }));
    expect(paramOf(() => s.prepareChat(chat({ messages: three }), {}))).toBe('messages');
    expect(paramOf(() => s.prepareChat(chat({ max_tokens: 101 }), {}))).toBe('max_tokens');
    expect(paramOf(() => s.prepareChat(chat({ max_completion_tokens: 500 }), {}))).toBe(
      'max_completion_tokens',
    );
    expect(s.prepareChat(chat({ max_tokens: 100 }), {}).reservedTokens).toBe(100);
  });

  it('marks include_usage only for streams that ask for it', () => {
    const s = service();
    expect(
      s.prepareChat(chat({ stream: true, stream_options: { include_usage: true } }), {})
        .includeUsage,
    ).toBe(true);
    expect(s.prepareChat(chat({ stream: true }), {}).includeUsage).toBe(false);
    expect(s.prepareChat(chat(), {}).stream).toBe(false);
  });
});

describe('CompletionService.prepareEmbedding', () => {
  it('routes to embedding agents', () => {
    const p = service().prepareEmbedding({ model: 'e', input: ['a', 'b'] }, { priority: 'high' });
    expect(p).toMatchObject({ kind: 'embedding', model: 'e', stream: false, priority: 0 });
    expect(p.selection).toMatchObject({ model: 'e', specialization: 'embedding' });
  });

  it('refuses a bad body with a 400 naming the field', () => {
    expect(paramOf(() => service().prepareEmbedding({ model: 'e' }, {}))).toBe('input');
  });
});
