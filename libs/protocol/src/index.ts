export * from './lib/model';
export * from './lib/protocol-error';
export * from './lib/topics';
export * from './lib/codec';
export * from './lib/protocol-topics';
export * from './lib/fleet-client';
export * from './lib/fleet-view';
export * from './lib/agent-endpoint';
export * from './lib/gateway-presence';
export type {
  AgentRegistration,
  AgentRequest,
  AgentResponse,
  AgentStatus,
  GatewayStatus,
} from './generated/agent';
export {
  AgentRegistrationType,
  AgentRequestType,
  AgentResponseType,
  AgentStatusType,
  GatewayStatusType,
} from './generated/agent';
export * from './lib/log-limiter';
