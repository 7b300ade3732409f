/** Injection token of the gateway-side {@link FleetClient}. */
export const FLEET_CLIENT = Symbol('FLEET_CLIENT');
