import type { Agent, ExternalLoad } from '@dds/agent';
import { request } from 'undici';

/** The upstream server cannot serve: unreachable, or it answered something that is not the API. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}

/** Where a server's API and its side endpoints live. */
export interface UpstreamUrls {
  /** The OpenAI API base, ending in `/v1`. */
  readonly api: string;
  /** The server root (`/health`, `/props`, `/slots`, `/metrics`). */
  readonly root: string;
}

/** `http://h:8080` or `http://h:8080/v1` -> both URLs. */
export function upstreamUrls(url: string): UpstreamUrls {
  const u = new URL(url);
  const path = u.pathname.replace(/\/+$/, '');
  const rootPath = path.endsWith('/v1') ? path.slice(0, -3) : path;
  const root = `${u.origin}${rootPath}`;
  return { api: `${root}/v1`, root };
}

/** How the upstream reports load, found once at discovery. */
type LoadSource = 'slots' | 'llamacpp-metrics' | 'vllm-metrics' | 'none';

/** What the upstream told about itself. */
export interface UpstreamInfo {
  readonly models: readonly string[];
  /** Context window, when the server tells it (llama-server `/props` n_ctx, vLLM `max_model_len`). */
  readonly contextTokens?: number;
  /** Parallel slots, when the server tells it (llama-server `total_slots`). */
  readonly slots?: number;
  readonly loadSource: LoadSource;
  /** `health` for servers with `GET /health`, else the models list is the probe. */
  readonly probe: 'health' | 'models';
}

interface Fetched {
  readonly status: number;
  readonly text: string;
}

async function get(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Fetched> {
  const res = await request(url, {
    method: 'GET',
    headers,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

function jsonOf(f: Fetched): unknown {
  try {
    return JSON.parse(f.text);
  } catch {
    return undefined;
  }
}

/** Reads a Prometheus gauge (first sample) from a text exposition. */
export function promGauge(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(
      rest
        .replace(/^\{[^}]*\}/, '')
        .trim()
        .split(/\s+/)[0],
    );
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}

/**
 * Watches an OpenAI-compatible server for a sidecar agent: finds its models, context size and
 * how it reports load; then probes it every `intervalMs`, turning the agent `draining` while
 * the server is down (and back when it recovers) and publishing the server's real load.
 */
export class UpstreamMonitor {
  readonly urls: UpstreamUrls;
  private readonly headers: Record<string, string>;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private info: UpstreamInfo | undefined;

  constructor(
    upstream: string,
    apiKey: string | undefined,
    private readonly intervalMs: number,
    private readonly onChange: (event: { healthy: boolean; reason?: string }) => void = () =>
      undefined,
  ) {
    this.urls = upstreamUrls(upstream);
    this.headers = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  }

  private get timeoutMs(): number {
    return Math.max(200, Math.min(2000, this.intervalMs));
  }

  /** Asks the upstream what it serves; throws {@link UpstreamError} when it cannot tell. */
  async discover(): Promise<UpstreamInfo> {
    const t = Math.max(this.timeoutMs, 5000);
    let models: Fetched;
    try {
      models = await get(`${this.urls.api}/models`, this.headers, t);
    } catch (e) {
      throw new UpstreamError(`upstream ${this.urls.api} is unreachable: ${(e as Error).message}`);
    }
    if (models.status === 401 || models.status === 403) {
      throw new UpstreamError(
        `upstream ${this.urls.api} refused the API key (HTTP ${models.status}): set --upstream-api-key`,
      );
    }
    const body = jsonOf(models) as
      { data?: { id?: unknown; max_model_len?: unknown }[] } | undefined;
    if (models.status !== 200 || !body || !Array.isArray(body.data)) {
      throw new UpstreamError(
        `upstream ${this.urls.api}/models did not answer an OpenAI model list (HTTP ${models.status}: ${models.text.slice(0, 120)})`,
      );
    }
    const ids = body.data
      .map((m) => m?.id)
      .filter((id): id is string => typeof id === 'string' && id !== '');
    if (ids.length === 0)
      throw new UpstreamError(`upstream ${this.urls.api}/models lists no models`);
    let contextTokens = body.data
      .map((m) => m?.max_model_len)
      .find((n): n is number => Number.isInteger(n) && (n as number) > 0);
    let slots: number | undefined;
    const props = await get(`${this.urls.root}/props`, this.headers, t).catch(() => undefined);
    const p =
      props?.status === 200 ? (jsonOf(props) as Record<string, unknown> | undefined) : undefined;
    if (p) {
      const n = (p['default_generation_settings'] as { n_ctx?: unknown } | undefined)?.n_ctx;
      if (Number.isInteger(n) && (n as number) > 0) contextTokens = n as number;
      if (Number.isInteger(p['total_slots']) && (p['total_slots'] as number) > 0) {
        slots = p['total_slots'] as number;
      }
    }
    const health = await get(`${this.urls.root}/health`, this.headers, t).catch(() => undefined);
    this.info = {
      models: ids,
      ...(contextTokens ? { contextTokens } : {}),
      ...(slots ? { slots } : {}),
      loadSource: await this.findLoadSource(t),
      probe: health?.status === 200 ? 'health' : 'models',
    };
    return this.info;
  }

  private async findLoadSource(t: number): Promise<LoadSource> {
    const slots = await get(`${this.urls.root}/slots`, this.headers, t).catch(() => undefined);
    if (slots?.status === 200 && Array.isArray(jsonOf(slots))) return 'slots';
    const metrics = await get(`${this.urls.root}/metrics`, this.headers, t).catch(() => undefined);
    if (metrics?.status === 200) {
      if (promGauge(metrics.text, 'llamacpp:requests_processing') !== undefined)
        return 'llamacpp-metrics';
      if (promGauge(metrics.text, 'vllm:num_requests_running') !== undefined) return 'vllm-metrics';
    }
    return 'none';
  }

  /** The upstream's load now, or `undefined` when it does not report one. Throws when down. */
  async readLoad(totalSlots: number): Promise<ExternalLoad | undefined> {
    const source = this.info?.loadSource ?? 'none';
    if (source === 'slots') {
      const r = await get(`${this.urls.root}/slots`, this.headers, this.timeoutMs);
      const slots = jsonOf(r);
      if (r.status !== 200 || !Array.isArray(slots))
        throw new Error(`/slots answered HTTP ${r.status}`);
      const busy = slots.filter(
        (s: { is_processing?: unknown }) => s?.is_processing === true,
      ).length;
      return { busy, total: slots.length, queued: 0 };
    }
    if (source === 'llamacpp-metrics' || source === 'vllm-metrics') {
      const r = await get(`${this.urls.root}/metrics`, this.headers, this.timeoutMs);
      if (r.status !== 200) throw new Error(`/metrics answered HTTP ${r.status}`);
      const [run, wait] =
        source === 'llamacpp-metrics'
          ? ['llamacpp:requests_processing', 'llamacpp:requests_deferred']
          : ['vllm:num_requests_running', 'vllm:num_requests_waiting'];
      const busy = promGauge(r.text, run) ?? 0;
      return {
        busy: Math.min(busy, totalSlots),
        total: totalSlots,
        queued: promGauge(r.text, wait) ?? 0,
      };
    }
    return undefined;
  }

  /** One probe: throws when the upstream is down. */
  async probe(): Promise<void> {
    const path =
      this.info?.probe === 'health' ? `${this.urls.root}/health` : `${this.urls.api}/models`;
    const r = await get(path, this.headers, this.timeoutMs);
    if (r.status !== 200) throw new Error(`${path} answered HTTP ${r.status}`);
  }

  /**
   * Probes every `intervalMs` (after discovery): health, then load. The agent is marked
   * unavailable on the first failed probe and available again on the first good one.
   */
  watch(agent: Agent, totalSlots: number): void {
    let healthy = true;
    const tick = async () => {
      try {
        await this.probe();
        const load = await this.readLoad(totalSlots);
        if (this.stopped) return;
        if (!healthy) {
          healthy = true;
          this.onChange({ healthy });
        }
        agent.setUnavailable(undefined);
        agent.setExternalLoad(load);
      } catch (e) {
        if (this.stopped) return;
        const reason = `upstream ${this.urls.root} is down: ${(e as Error).message}`;
        if (healthy) {
          healthy = false;
          this.onChange({ healthy, reason });
        }
        agent.setExternalLoad(undefined);
        agent.setUnavailable(reason);
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.intervalMs);
    };
    this.timer = setTimeout(() => void tick(), this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
