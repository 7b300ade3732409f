/** Injection token of the DDS {@link AgentChannel} (absent when DDS is disabled). */
export const DDS_CHANNEL = Symbol('DDS_CHANNEL');
/** Injection token of the HTTP {@link AgentChannel}. */
export const HTTP_CHANNEL = Symbol('HTTP_CHANNEL');
