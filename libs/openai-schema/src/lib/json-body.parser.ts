import { OpenAIRequestError } from './openai.errors';

/**
 * Parses a raw request body as JSON, failing the way OpenAI does on malformed JSON.
 *
 * @throws {@link OpenAIRequestError} (400 `invalid_request_error`) when `text` is not valid JSON.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new OpenAIRequestError(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    );
  }
}
