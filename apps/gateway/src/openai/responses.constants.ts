/** Injection token of the Responses API's {@link ResponseStore} (`@dds/context`). */
export const RESPONSE_STORE = Symbol('RESPONSE_STORE');
