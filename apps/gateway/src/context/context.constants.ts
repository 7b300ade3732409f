/** Injection token of the session {@link ContextStore}. */
export const CONTEXT_STORE = Symbol('CONTEXT_STORE');
