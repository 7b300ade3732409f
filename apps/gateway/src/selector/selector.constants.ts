/** Injection token of the {@link AgentSelector}. */
export const AGENT_SELECTOR = Symbol('AGENT_SELECTOR');
