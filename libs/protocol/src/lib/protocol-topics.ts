import type { DomainParticipant, Topic } from '@dds/transport';
import {
  AgentRegistrationType,
  AgentRequestType,
  AgentResponseType,
  AgentStatusType,
  type AgentRegistration,
  type AgentRequest,
  type AgentResponse,
  type AgentStatus,
} from '../generated/agent';
import { TOPICS } from './topics';

/** The four protocol topics on one participant. */
export interface ProtocolTopics {
  readonly register: Topic<AgentRegistration>;
  readonly status: Topic<AgentStatus>;
  readonly request: Topic<AgentRequest>;
  readonly response: Topic<AgentResponse>;
  close(): void;
}

/** Creates the four protocol topics on `participant` (with the generated type supports). */
export function createProtocolTopics(participant: DomainParticipant): ProtocolTopics {
  const register = participant.createTopic(TOPICS.register, AgentRegistrationType);
  const status = participant.createTopic(TOPICS.status, AgentStatusType);
  const request = participant.createTopic(TOPICS.request, AgentRequestType);
  const response = participant.createTopic(TOPICS.response, AgentResponseType);
  return {
    register,
    status,
    request,
    response,
    close() {
      for (const t of [register, status, request, response]) t.close();
    },
  };
}
