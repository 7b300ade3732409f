/** Injection token of the {@link AgentRegistry}. */
export const AGENT_REGISTRY = Symbol('AGENT_REGISTRY');
