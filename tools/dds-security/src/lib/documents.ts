/**
 * The DDS Security governance and permissions documents (OMG DDS Security 1.1 XML, as
 * CycloneDDS 0.10's built-in access control plugin reads them) for a dds-llm fleet. Pure
 * functions: signing is {@link ./pki}'s job.
 */

/** How a part of the traffic is protected (OMG `ProtectionKind`). */
export type Protection = 'NONE' | 'SIGN' | 'ENCRYPT';

/** Options of {@link governanceXml}. */
export interface GovernanceOptions {
  /** DDS domain ids the rules cover (default 0..230, every domain Cyclone's XSD allows). */
  readonly domains?: { readonly min: number; readonly max: number };
  /** Discovery (SPDP/SEDP) and liveliness messages (default ENCRYPT). */
  readonly discovery?: Protection;
  /** Submessages, i.e. headers, heartbeats, acknacks (default SIGN). */
  readonly metadata?: Protection;
  /** Serialized payloads: prompts and answers (default ENCRYPT). */
  readonly data?: Protection;
  /** Whole RTPS messages (default NONE: metadata + data protection already cover our topics). */
  readonly rtps?: Protection;
}

/** The dds-llm topics, as `@dds/protocol` names them. */
export const FLEET_TOPICS = {
  register: 'agent/register',
  status: 'agent/status',
  request: 'agent/request',
  response: 'agent/response',
  /** Gateways announce themselves and their load to each other (the dashboard lists them). */
  gatewayStatus: 'gateway/status',
} as const;

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A governance document for every topic: authenticated participants only, join access control
 * on, read and write access control on every topic, protections as given.
 */
export function governanceXml(o: GovernanceOptions = {}): string {
  const d = o.domains ?? { min: 0, max: 230 };
  const discovery = o.discovery ?? 'ENCRYPT';
  return `<?xml version="1.0" encoding="utf-8"?>
<dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_governance.xsd">
  <domain_access_rules>
    <domain_rule>
      <domains>
        <id_range><min>${d.min}</min><max>${d.max}</max></id_range>
      </domains>
      <allow_unauthenticated_participants>false</allow_unauthenticated_participants>
      <enable_join_access_control>true</enable_join_access_control>
      <discovery_protection_kind>${discovery}</discovery_protection_kind>
      <liveliness_protection_kind>${discovery}</liveliness_protection_kind>
      <rtps_protection_kind>${o.rtps ?? 'NONE'}</rtps_protection_kind>
      <topic_access_rules>
        <topic_rule>
          <topic_expression>*</topic_expression>
          <enable_discovery_protection>true</enable_discovery_protection>
          <enable_liveliness_protection>true</enable_liveliness_protection>
          <enable_read_access_control>true</enable_read_access_control>
          <enable_write_access_control>true</enable_write_access_control>
          <metadata_protection_kind>${o.metadata ?? 'SIGN'}</metadata_protection_kind>
          <data_protection_kind>${o.data ?? 'ENCRYPT'}</data_protection_kind>
        </topic_rule>
      </topic_access_rules>
    </domain_rule>
  </domain_access_rules>
</dds>
`;
}

/** One publish or subscribe rule: topics in partitions (fnmatch patterns; `''` = default). */
export interface TopicRule {
  readonly topics: readonly string[];
  readonly partitions: readonly string[];
}

/** What one identity may do. */
export interface Grant {
  /** The certificate subject, e.g. `CN=gateway-1,O=dds-llm` (must match the certificate). */
  readonly subject: string;
  readonly publish: readonly TopicRule[];
  readonly subscribe: readonly TopicRule[];
  readonly domains?: { readonly min: number; readonly max: number };
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Roles on a dds-llm fleet. */
export type FleetRole = 'gateway' | 'agent';

/** Options of {@link roleGrant}. */
export interface RoleGrantOptions {
  readonly subject: string;
  readonly role: FleetRole;
  /**
   * For agents: the agent ids (fnmatch patterns) it may serve; it reads `agent/request` only in
   * their partitions `agent.<id>`. Default: none (an agent must be told which ids it is).
   */
  readonly agentIds?: readonly string[];
  readonly domains?: { readonly min: number; readonly max: number };
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/**
 * The grant of a role. An agent publishes `agent/register` and `agent/status` (default
 * partition) and `agent/response` (gateways' partitions `gateway.*`), and reads `agent/request`
 * only in its own partitions `agent.<id>`. A gateway is the converse: it reads registrations,
 * status and responses (`gateway.*`) and publishes requests to any agent (`agent.*`). Gateways
 * also publish and read `gateway/status`; agents only read it (to cancel the requests of a
 * gateway that died), never publish it.
 */
export function roleGrant(o: RoleGrantOptions): Grant {
  const notBefore = o.notBefore ?? new Date(Date.now() - 24 * 3600 * 1000);
  const notAfter = o.notAfter ?? new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const t = FLEET_TOPICS;
  if (o.role === 'agent') {
    const ids = o.agentIds ?? [];
    if (ids.length === 0) throw new Error('an agent grant needs at least one agent id pattern');
    return {
      subject: o.subject,
      domains: o.domains,
      notBefore,
      notAfter,
      publish: [
        { topics: [t.register, t.status], partitions: [''] },
        { topics: [t.response], partitions: ['gateway.*'] },
      ],
      subscribe: [
        { topics: [t.request], partitions: ids.map((id) => `agent.${id}`) },
        // To cancel the requests of a gateway that died (its gateway/status lease expired).
        { topics: [t.gatewayStatus], partitions: [''] },
      ],
    };
  }
  return {
    subject: o.subject,
    domains: o.domains,
    notBefore,
    notAfter,
    publish: [
      { topics: [t.request], partitions: ['agent.*'] },
      { topics: [t.gatewayStatus], partitions: [''] },
    ],
    subscribe: [
      { topics: [t.register, t.status, t.gatewayStatus], partitions: [''] },
      { topics: [t.response], partitions: ['gateway.*'] },
    ],
  };
}

/** XML date in UTC without milliseconds, as the XSD's `dateTime`. */
function xmlDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '');
}

function rules(kind: 'publish' | 'subscribe', list: readonly TopicRule[]): string {
  return list
    .map(
      (r) => `        <${kind}>
          <topics>${r.topics.map((x) => `<topic>${esc(x)}</topic>`).join('')}</topics>
          <partitions>${r.partitions.map((p) => `<partition>${esc(p)}</partition>`).join('')}</partitions>
        </${kind}>`,
    )
    .join('\n');
}

/** A permissions document holding `grants` (each: allow rules, then DENY by default). */
export function permissionsXml(grants: readonly Grant[]): string {
  const body = grants
    .map((g, i) => {
      const d = g.domains ?? { min: 0, max: 230 };
      return `    <grant name="grant_${i}">
      <subject_name>${esc(g.subject)}</subject_name>
      <validity>
        <not_before>${xmlDate(g.notBefore)}</not_before>
        <not_after>${xmlDate(g.notAfter)}</not_after>
      </validity>
      <allow_rule>
        <domains><id_range><min>${d.min}</min><max>${d.max}</max></id_range></domains>
${rules('publish', g.publish)}
${rules('subscribe', g.subscribe)}
      </allow_rule>
      <default>DENY</default>
    </grant>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_permissions.xsd">
  <permissions>
${body}
  </permissions>
</dds>
`;
}
