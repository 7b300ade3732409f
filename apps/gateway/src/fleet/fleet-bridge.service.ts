import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AgentRegistry } from '@dds/registry';
import type { Scheduler } from '@dds/scheduler';
import type { AgentSelector } from '@dds/selector';
import type { Subscription } from 'rxjs';
import { AGENT_REGISTRY, AGENT_SELECTOR, REQUEST_SCHEDULER } from '../app/core.tokens';

/**
 * Suspicions that mean the agent may be cut off from this gateway (status overdue, DDS status
 * deadline missed, request reader unmatched), as opposed to an HTTP agent's failed probe.
 */
const CUT_OFF_REASONS: ReadonlySet<string> = new Set([
  'heartbeat-missed',
  'deadline-missed',
  'unreachable',
]);

/**
 * Keeps the scheduler and selector in step with the registry: freed capacity dispatches waiting
 * requests; a suspect agent's attempts without output move to another agent; a lost agent's
 * running attempts are aborted (and retried elsewhere if no output started); a departed agent's
 * sessions move on.
 */
@Injectable()
export class FleetBridgeService implements OnModuleInit, OnModuleDestroy {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Inject(REQUEST_SCHEDULER) private readonly scheduler: Scheduler<unknown, unknown>,
    @Inject(AGENT_SELECTOR) private readonly selector: AgentSelector,
  ) {}

  onModuleInit(): void {
    this.subscription = this.registry.events$.subscribe((ev) => {
      switch (ev.type) {
        case 'added':
        case 'capacity-freed':
          this.scheduler.capacityAvailable();
          break;
        case 'health-changed':
          // A draining agent keeps its running attempts but takes no new ones.
          if (ev.to === 'offline') this.scheduler.agentLost(ev.agent.id);
          else if (ev.to !== 'draining') {
            // Overdue or unreachable: requests that have no output yet go elsewhere now rather
            // than wait for the lease (those with output wait for it: a resume or an error).
            if (ev.to === 'suspect' && CUT_OFF_REASONS.has(ev.reason)) {
              this.scheduler.agentSuspect(ev.agent.id);
            }
            this.scheduler.capacityAvailable();
          }
          break;
        case 'removed':
          this.scheduler.agentLost(ev.agent.id);
          // Its breaker goes with it: nothing is kept per departed agent.
          this.scheduler.forgetAgent(ev.agent.id);
          this.selector.forgetAgent(ev.agent.id);
          break;
        case 'updated':
          if (ev.agent.freeSlots > 0) this.scheduler.capacityAvailable();
          break;
      }
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
