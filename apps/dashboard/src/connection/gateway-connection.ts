import { CHANNELS, type ServerFrame } from './frames';

/** What the page shows about its link to the gateway. */
export type ConnectionState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'open' }
  /** The gateway wants an API key and none, or a wrong one, was given. */
  | { readonly kind: 'unauthorized'; readonly message: string; readonly keyGiven: boolean }
  | { readonly kind: 'retrying'; readonly message: string; readonly inMs: number }
  | { readonly kind: 'stopped' };

/** The browser APIs the connection uses, injectable so unit tests run it in Node. */
export interface ConnectionDeps {
  readonly fetch: typeof fetch;
  readonly WebSocket: new (url: string) => WebSocket;
}

export interface ConnectionOptions {
  /** The gateway's origin, e.g. `http://localhost:8080`. */
  readonly baseUrl: string;
  /** The API key, when the gateway has `server.api_keys`. */
  readonly apiKey?: string;
  readonly onFrame: (frame: ServerFrame) => void;
  readonly onState: (state: ConnectionState) => void;
  /** First reconnect delay, ms (doubles up to `maxRetryMs`). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  readonly deps?: ConnectionDeps;
}

/** The key check's answer. */
type KeyCheck = { ok: true } | { ok: false; unauthorized: boolean; message: string };

/**
 * The page's one link to the gateway: checks the API key over HTTP first (a browser cannot read
 * the status of a refused WebSocket upgrade, so a wrong key would otherwise look like a network
 * error), then opens `/api/v1/ws?api_key=…` and subscribes to every dashboard channel. A dropped
 * socket is re-opened with capped exponential back-off; each retry checks the key again.
 */
export class GatewayConnection {
  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private delay: number;
  private readonly deps: ConnectionDeps;

  constructor(private readonly options: ConnectionOptions) {
    this.delay = options.retryMs ?? 1000;
    this.deps = options.deps ?? {
      fetch: globalThis.fetch.bind(globalThis),
      WebSocket: globalThis.WebSocket,
    };
  }

  /** Starts connecting; states and frames arrive through the callbacks. */
  start(): void {
    void this.connect();
  }

  /** Closes the socket and stops retrying. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    this.options.onState({ kind: 'stopped' });
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.options.onState({ kind: 'connecting' });
    const check = await this.checkKey();
    if (this.stopped) return;
    if (!check.ok) {
      if (check.unauthorized) {
        this.options.onState({
          kind: 'unauthorized',
          message: check.message,
          keyGiven: !!this.options.apiKey,
        });
        return;
      }
      this.retry(check.message);
      return;
    }
    const url = new URL('/api/v1/ws', this.options.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.options.apiKey) url.searchParams.set('api_key', this.options.apiKey);
    const socket = new this.deps.WebSocket(url.toString());
    this.socket = socket;
    socket.onopen = () => {
      this.delay = this.options.retryMs ?? 1000;
      for (const channel of CHANNELS) socket.send(JSON.stringify({ type: 'subscribe', channel }));
      this.options.onState({ kind: 'open' });
    };
    socket.onmessage = (ev: MessageEvent) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (
        frame &&
        typeof frame === 'object' &&
        typeof (frame as { type?: unknown }).type === 'string'
      ) {
        this.options.onFrame(frame as ServerFrame);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.retry('connection to the gateway lost');
    };
  }

  private retry(message: string): void {
    if (this.stopped) return;
    const inMs = this.delay;
    this.delay = Math.min(this.delay * 2, this.options.maxRetryMs ?? 10_000);
    this.options.onState({ kind: 'retrying', message, inMs });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, inMs);
  }

  private async checkKey(): Promise<KeyCheck> {
    const headers: Record<string, string> = {};
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    let res: Response;
    try {
      res = await this.deps.fetch(new URL('/api/v1/agents', this.options.baseUrl), { headers });
    } catch (err) {
      return {
        ok: false,
        unauthorized: false,
        message: `gateway unreachable (${err instanceof Error ? err.message : String(err)})`,
      };
    }
    if (res.ok) {
      await res.body?.cancel();
      return { ok: true };
    }
    let detail = '';
    try {
      const body = (await res.json()) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') detail = body.error.message;
    } catch {
      // Not an OpenAI error body: the status says enough.
    }
    if (res.status === 401) {
      return {
        ok: false,
        unauthorized: true,
        message: this.options.apiKey
          ? `The gateway did not accept this API key${detail ? `: ${detail}` : '.'}`
          : 'This gateway requires an API key (server.api_keys). Enter one to continue.',
      };
    }
    return {
      ok: false,
      unauthorized: false,
      message: `gateway answered ${res.status} ${detail}`.trim(),
    };
  }
}
