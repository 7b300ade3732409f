/**
 * Injection tokens of the gateway's core providers (one file: each token is one line of DI, not a
 * module). The values behind them are built by the factory providers of `CoreModule`.
 */

/** The validated {@link GatewayConfig}. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
/** The root pino logger. */
export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');
/** The {@link AgentRegistry}: the fleet as this gateway knows it. */
export const AGENT_REGISTRY = Symbol('AGENT_REGISTRY');
/** The {@link AgentSelector}. */
export const AGENT_SELECTOR = Symbol('AGENT_SELECTOR');
/** The request {@link Scheduler}. */
export const REQUEST_SCHEDULER = Symbol('REQUEST_SCHEDULER');
/** The session {@link ContextStore} behind `x-session-id`. */
export const CONTEXT_STORE = Symbol('CONTEXT_STORE');
/** The Responses API's {@link ResponseStore} (`@dds/context`). */
export const RESPONSE_STORE = Symbol('RESPONSE_STORE');
/** The process's DDS {@link DomainParticipant} (absent when DDS is disabled). */
export const DDS_PARTICIPANT = Symbol('DDS_PARTICIPANT');
/** The gateway-side {@link FleetClient} (absent when DDS is disabled). */
export const FLEET_CLIENT = Symbol('FLEET_CLIENT');
/** The DDS {@link AgentChannel} (absent when DDS is disabled). */
export const DDS_CHANNEL = Symbol('DDS_CHANNEL');
/** The HTTP {@link AgentChannel}. */
export const HTTP_CHANNEL = Symbol('HTTP_CHANNEL');
/** The {@link DdsStatus} (present when DDS is enabled). */
export const DDS_STATUS = Symbol('DDS_STATUS');
