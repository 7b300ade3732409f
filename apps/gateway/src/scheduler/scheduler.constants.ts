/** Injection token of the request {@link Scheduler}. */
export const REQUEST_SCHEDULER = Symbol('REQUEST_SCHEDULER');
