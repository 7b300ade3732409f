export * from './lib/type-support';
export { DdsTypeError } from './lib/cdr/dds-type-error';
export { CdrReader } from './lib/cdr/cdr-reader';
export { CdrWriter } from './lib/cdr/cdr-writer';
export { Encapsulation, encapsulationFor, parseEncapsulation } from './lib/cdr/encapsulation';
export type { EncapsulationInfo, EncodingFormat, Extensibility } from './lib/cdr/encapsulation';
export {
  makeTypeSupport,
  fromBase64,
  badArray,
  badSequence,
  badString,
  badValue,
  describeValue,
} from './lib/cdr/type-support-factory';
export type { GeneratedType } from './lib/cdr/type-support-factory';
export { rethrowAt } from './lib/cdr/dds-type-error';
