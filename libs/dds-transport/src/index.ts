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

// Runtime (native binding)
export { DomainParticipant, MAX_DOMAIN_ID } from './lib/domain-participant.entity';
export type { DomainParticipantOptions, GroupOptions } from './lib/domain-participant.entity';
export { Entity } from './lib/entity.base';
export { Endpoint } from './lib/endpoint.base';
export type { WaitForMatchOptions } from './lib/endpoint.base';
export { Topic } from './lib/topic.entity';
export { Publisher } from './lib/publisher.entity';
export { Subscriber } from './lib/subscriber.entity';
export { Writer, MAX_SOURCE_TIMESTAMP } from './lib/writer.entity';
export type {
  WriteOptions,
  PublicationMatchedStatus,
  LivelinessLostStatus,
  DeadlineMissedStatus,
  IncompatibleQosStatus,
} from './lib/writer.entity';
export { Reader } from './lib/reader.entity';
export { SampleSource } from './lib/sample-source.base';
export { MAX_BATCH } from './lib/sample';
export type {
  SubscriptionMatchedStatus,
  LivelinessChangedStatus,
  SampleLostStatus,
  SampleRejectedStatus,
} from './lib/reader.entity';
export type { Sample, SampleInfo } from './lib/sample';
export type { Qos } from './lib/qos.policy';
export { DdsError, DdsTimeoutError, DdsAlreadyDeletedError } from './lib/dds.errors';
export {
  DdsSecurityError,
  SECURITY_CONFIG_KEYS,
  SECURITY_FILE_OPTIONS,
  findSecurityLibraryDir,
  securityOptionsFromConfig,
  securityProperties,
} from './lib/security';
export type {
  DdsSecurityErrorReason,
  DdsSecurityOptions,
  SecurityFileOption,
} from './lib/security';
export { toObservable } from './lib/observable.adapter';
export { BuiltinReader } from './lib/builtin-reader.entity';
export type {
  BuiltinTopicName,
  BuiltinTopicTypes,
  DiscoveredQos,
  EndpointBuiltinTopicData,
  ParticipantBuiltinTopicData,
} from './lib/builtin-reader.entity';
export { loadAddon, ADDON_PATH_ENV } from './lib/load-addon';
