/** Injection token of the process's DDS {@link DomainParticipant}. */
export const DDS_PARTICIPANT = Symbol('DDS_PARTICIPANT');
