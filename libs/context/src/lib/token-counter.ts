import { countTokens } from 'gpt-tokenizer';
import type { ContextMessage, Tokenizer } from './context.types';

const NO_SPECIALS = { disallowedSpecial: new Set<string>() };

/**
 * The default tokenizer: OpenAI's o200k_base BPE via `gpt-tokenizer`. Special-token strings in user
 * text (`<|endoftext|>`) are counted as plain text rather than rejected, as a server would.
 */
export const gptTokenizer: Tokenizer = {
  countTokens: (text: string) => countTokens(text, NO_SPECIALS),
};

/** Per-message costs beyond the text itself. */
export interface MessageCosts {
  overhead: number;
  nonTextPart: number;
}

/** Calls `visit` with every piece of text of a message the model reads; returns non-text parts. */
function forEachText(m: ContextMessage, visit: (text: string) => void): number {
  let nonText = 0;
  const c = m.content;
  if (typeof c === 'string') visit(c);
  else if (Array.isArray(c)) {
    for (const part of c) {
      if (part && typeof part.text === 'string') visit(part.text);
      else if (part && typeof part.refusal === 'string') visit(part.refusal);
      else nonText++;
    }
  }
  if (typeof m.name === 'string') visit(m.name);
  if (typeof m.refusal === 'string') visit(m.refusal);
  if (Array.isArray(m.tool_calls)) {
    for (const call of m.tool_calls) {
      if (call?.function) {
        visit(String(call.function.name ?? ''));
        visit(String(call.function.arguments ?? ''));
      } else if (call?.custom) {
        visit(String(call.custom.name ?? ''));
        visit(String(call.custom.input ?? ''));
      }
    }
  }
  if (typeof m.tool_call_id === 'string') visit(m.tool_call_id);
  return nonText;
}

/**
 * Counts message tokens with caches keyed by message object, so a stored history is tokenized once
 * however many requests reuse it. Also gives a cheap upper bound: a byte-level BPE token is at
 * least one byte, so UTF-8 length bounds the token count without running the tokenizer.
 */
export class TokenCounter {
  private readonly exact = new WeakMap<object, number>();
  private readonly bound = new WeakMap<object, number>();

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly costs: MessageCosts,
  ) {}

  /** Exact tokens of one message (cached). */
  tokens(m: ContextMessage): number {
    let n = this.exact.get(m);
    if (n === undefined) {
      let text = 0;
      const nonText = forEachText(m, (t) => {
        if (t.length > 0) text += this.tokenizer.countTokens(t);
      });
      n = this.costs.overhead + text + nonText * this.costs.nonTextPart;
      this.exact.set(m, n);
    }
    return n;
  }

  /** An upper bound of {@link TokenCounter.tokens} from the UTF-8 length (cached). */
  upperBound(m: ContextMessage): number {
    let n = this.bound.get(m);
    if (n === undefined) {
      n = this.exact.get(m);
      if (n === undefined) {
        let bytes = 0;
        const nonText = forEachText(m, (t) => {
          bytes += Buffer.byteLength(t, 'utf8');
        });
        n = this.costs.overhead + bytes + nonText * this.costs.nonTextPart;
      }
      this.bound.set(m, n);
    }
    return n;
  }
}

/** Tokens the chat format adds to prime the reply (`<|start|>assistant<|message|>`). */
export const REPLY_PRIMING_TOKENS = 3;
