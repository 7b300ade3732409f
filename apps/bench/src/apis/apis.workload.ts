/**
 * The same short question asked through each API the gateway serves, so the `apis` section
 * compares what each translation costs on one identical chat underneath.
 */
export const PROMPT = 'Say something short.';

/** An API the gateway serves, with the request body the bench sends and how to check an answer. */
export interface ApiWorkload {
  /** Row label and JSON key prefix. */
  readonly name: 'chat' | 'responses' | 'messages' | 'completions';
  /** Path under the gateway's base URL. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** True when a parsed answer is a complete success of this API (not just a 200). */
  isComplete(answer: unknown): boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

/** The four workloads for `model`: chat completions (the baseline) and the three translated APIs. */
export function apiWorkloads(model: string): ApiWorkload[] {
  return [
    {
      name: 'chat',
      path: '/v1/chat/completions',
      headers: JSON_HEADERS,
      body: JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }] }),
      isComplete: (answer) => {
        const choice = record((record(answer)?.['choices'] as unknown[] | undefined)?.[0]);
        return nonEmptyString(record(choice?.['message'])?.['content']);
      },
    },
    {
      name: 'responses',
      path: '/v1/responses',
      headers: JSON_HEADERS,
      // `store` left at its default (true): what an SDK user gets, store bound included.
      body: JSON.stringify({ model, input: PROMPT }),
      isComplete: (answer) => {
        const response = record(answer);
        if (response?.['status'] !== 'completed') return false;
        const message = (response['output'] as unknown[] | undefined)
          ?.map(record)
          .find((item) => item?.['type'] === 'message');
        const part = record((message?.['content'] as unknown[] | undefined)?.[0]);
        return part?.['type'] === 'output_text' && nonEmptyString(part['text']);
      },
    },
    {
      name: 'messages',
      path: '/v1/messages',
      headers: { ...JSON_HEADERS, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: PROMPT }],
      }),
      isComplete: (answer) => {
        const message = record(answer);
        const block = record((message?.['content'] as unknown[] | undefined)?.[0]);
        return (
          message?.['type'] === 'message' &&
          block?.['type'] === 'text' &&
          nonEmptyString(block['text'])
        );
      },
    },
    {
      name: 'completions',
      path: '/v1/completions',
      headers: JSON_HEADERS,
      body: JSON.stringify({ model, prompt: PROMPT, max_tokens: 256 }),
      isComplete: (answer) => {
        const choice = record((record(answer)?.['choices'] as unknown[] | undefined)?.[0]);
        return nonEmptyString(choice?.['text']);
      },
    },
  ];
}
