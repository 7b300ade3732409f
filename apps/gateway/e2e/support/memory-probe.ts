import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { FROM_SOURCES, type GatewayLaunch, type GatewayProcess } from './gateway-process';

/**
 * The gateway from its sources with the inspector on an ephemeral loopback port, so a test can
 * force a full GC in it from outside (no test hook in the product).
 */
export const INSPECTED: GatewayLaunch = {
  nodeArgs: ['--inspect=127.0.0.1:0', ...FROM_SOURCES.nodeArgs],
  cwd: FROM_SOURCES.cwd,
};

/** One process's memory right after a forced full GC. */
export interface MemoryAfterGc {
  /** Resident set, MiB (`VmRSS` of /proc/<pid>/status). */
  readonly rssMiB: number;
  /** V8 heap in use, MiB. */
  readonly heapUsedMiB: number;
}

/**
 * Talks to a gateway process's inspector (Chrome DevTools protocol): forces a full GC
 * (`HeapProfiler.collectGarbage`), then reads its RSS from /proc and its heap from
 * `process.memoryUsage()`.
 */
export class MemoryProbe {
  private nextId = 0;
  private readonly waiting = new Map<number, (msg: { result?: unknown }) => void>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly pid: number,
  ) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (msg.id === undefined) return;
      this.waiting.get(msg.id)?.(msg);
      this.waiting.delete(msg.id);
    });
  }

  /** Connects to the inspector `gateway` announced on stderr (started with {@link INSPECTED}). */
  static async attach(gateway: GatewayProcess): Promise<MemoryProbe> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(gateway.output.join(''))?.[1];
    if (!url || gateway.child.pid === undefined) {
      throw new Error('the gateway was not started with its inspector (INSPECTED)');
    }
    const ws = new WebSocket(url);
    await once(ws, 'open');
    return new MemoryProbe(ws, gateway.child.pid);
  }

  /** Forces a full GC in the gateway and measures it. */
  async afterGc(): Promise<MemoryAfterGc> {
    await this.call('HeapProfiler.collectGarbage');
    // Twice: the first may leave what finalizers released for the next cycle.
    await this.call('HeapProfiler.collectGarbage');
    const res = (await this.call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true,
    })) as { result: { value: number } };
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    return {
      rssMiB: Math.round((kb / 1024) * 10) / 10,
      heapUsedMiB: Math.round((res.result.value / 1024 / 1024) * 10) / 10,
    };
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, (msg) => resolve(msg.result));
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
}
