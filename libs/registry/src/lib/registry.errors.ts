/** A registration or status report the registry refuses; `field` names the offending input. */
export class InvalidAgentInputError extends Error {
  override readonly name = 'InvalidAgentInputError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
