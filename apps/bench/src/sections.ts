import { apisSection } from './apis/apis.section';
import { chaosSection } from './chaos/chaos.section';
import { codecSection } from './codec/codec.section';
import { e2eSection } from './e2e/e2e.section';
import { enginesSection } from './engines/engines.section';
import { multihostSection } from './multihost/multihost.section';
import { orchestrationSection } from './orchestration/orchestration.section';
import { protocolSection } from './protocol/protocol.section';
import { schemaSection } from './schema/schema.section';
import { selectionSection } from './selection/selection.section';
import { shmSection } from './shm/shm.section';
import { transportSection } from './transport/transport.section';

/** One section of `bench:dds-overhead`: measures, writes its JSON section, returns Markdown. */
export interface BenchSection {
  readonly name: string;
  run(): Promise<string>;
}

/** Sections in the order they run. Each issue that adds a measurement registers it here. */
export const sections: BenchSection[] = [
  transportSection,
  selectionSection,
  schemaSection,
  codecSection,
  orchestrationSection,
  protocolSection,
  e2eSection,
  apisSection,
  shmSection,
  enginesSection,
  chaosSection,
  multihostSection,
];
