import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** Log levels accepted from `--log-level` / `logging.level` (the seed's Python names, any case). */
export const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'warning',
  'error',
  'critical',
  'fatal',
] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Agent-selection strategies the gateway can ask the selector for. */
export const SELECTOR_STRATEGIES = [
  'least-loaded',
  'latency-aware',
  'round-robin',
  'session-affinity',
  'prefix-affinity',
] as const;

/** Which simulated fleet the gateway brings up beside itself (`npm start` uses `default`). */
export const FLEET_MODES = ['none', 'default'] as const;

/** `server.*`: the HTTP listener and its edge policies. */
export class ServerConfig {
  @IsString()
  @MinLength(1)
  host!: string;

  @IsInt()
  @Min(0)
  @Max(65535)
  port!: number;

  /** Bearer keys accepted on the API; empty = no authentication. */
  @IsArray()
  @IsString({ each: true })
  @MinLength(8, { each: true })
  api_keys!: string[];

  /** Origins allowed by CORS; empty = CORS off, `["*"]` = any origin. */
  @IsArray()
  @IsString({ each: true })
  cors_origins!: string[];

  /** Largest request body accepted, bytes (413 beyond). */
  @IsInt()
  @Min(1024)
  @Max(512 * 1024 * 1024)
  body_limit!: number;

  /** Default deadline for a request, seconds (504 beyond); `x-request-timeout` may shorten it. */
  @IsNumber()
  @Min(0.001)
  @Max(3600)
  request_timeout!: number;

  /**
   * Bytes a streaming client (SSE or WebSocket) may leave unread before it is disconnected and its
   * requests cancelled: a stalled reader must not grow the gateway's memory without bound.
   */
  @IsInt()
  @Min(64 * 1024)
  @Max(1024 * 1024 * 1024)
  max_buffered_bytes!: number;

  /**
   * Seconds a client has to send a whole request, headers and body (408 beyond): a client that
   * trickles bytes must not hold a connection and a parser for ever.
   */
  @IsNumber()
  @Min(0.1)
  @Max(3600)
  receive_timeout!: number;

  /** Seconds to let in-flight requests finish on SIGTERM/SIGINT before closing anyway. */
  @IsNumber()
  @Min(0)
  @Max(600)
  shutdown_grace!: number;
}

/** `dds.*`: the DDS participant. */
export class DdsConfig {
  @IsBoolean()
  enabled!: boolean;

  @IsInt()
  @Min(0)
  @Max(232)
  domain!: number;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  participant_name!: string;

  /** CycloneDDS XML or a `file://` URI; empty = the environment's `CYCLONEDDS_URI`. */
  @IsString()
  config!: string;
}

/**
 * `dds_security.*`: DDS Security (authentication, access control, encryption) of the gateway's
 * participant. Files as made by `tools/dds-security`; checked at boot when enabled.
 */
export class DdsSecurityConfig {
  @IsBoolean()
  enabled!: boolean;

  @IsString()
  identity_ca!: string;

  @IsString()
  identity_certificate!: string;

  @IsString()
  private_key!: string;

  @IsString()
  permissions_ca!: string;

  @IsString()
  governance!: string;

  @IsString()
  permissions!: string;

  /** Where `libdds_security_*.so` are; empty = found automatically. */
  @IsString()
  library_dir!: string;
}

/** One HTTP-only agent (an OpenAI-compatible server) declared in the config file. */
export class HttpAgentConfig {
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, {
    message: 'id must be 1-128 characters of [A-Za-z0-9._:-]',
  })
  id!: string;

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  url!: string;

  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(256, { each: true })
  models!: string[];

  @IsIn(['text', 'vision', 'embedding'])
  specialization!: 'text' | 'vision' | 'embedding';

  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  capabilities!: string[];

  @IsInt()
  @Min(1)
  @Max(4096)
  slots!: number;

  @IsOptional()
  @IsString()
  api_key?: string;
}

/** `agents.*`: how the fleet is watched (seconds) and the HTTP-only agents. */
export class AgentsConfig {
  @IsNumber()
  @Min(0.01)
  @Max(3600)
  heartbeat_interval!: number;

  @IsNumber()
  @Min(0.05)
  @Max(36000)
  timeout!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => HttpAgentConfig)
  http!: HttpAgentConfig[];
}

/** `scheduler.*`: admission and priorities. */
export class SchedulerConfig {
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_queue_size!: number;

  @IsInt()
  @Min(1)
  @Max(16)
  priority_levels!: number;

  /** Other agents tried when one fails before its first output. */
  @IsInt()
  @Min(0)
  @Max(10)
  max_retries!: number;

  /**
   * Times one streamed generation may move to another agent after its agent was lost (or
   * stalled) mid-answer; 0 turns resuming off.
   */
  @IsInt()
  @Min(0)
  @Max(10)
  max_resumes!: number;

  /**
   * Seconds without a delta, once output started, after which the serving agent counts as
   * stalled and the generation resumes elsewhere.
   */
  @IsNumber()
  @Min(0.01)
  @Max(3600)
  inter_token_timeout!: number;
}

/** `selector.*`: which agent serves a request. */
export class SelectorConfig {
  @IsIn(SELECTOR_STRATEGIES as unknown as string[])
  strategy!: (typeof SELECTOR_STRATEGIES)[number];

  /** Whether `x-selector-strategy` may override the strategy per request. */
  @IsBoolean()
  allow_header_override!: boolean;
}

/** `limits.*`: request sanity bounds (400 beyond). */
export class LimitsConfig {
  @IsInt()
  @Min(1)
  @Max(100_000)
  max_messages!: number;

  @IsInt()
  @Min(1)
  @Max(10_000_000)
  max_tokens!: number;

  /**
   * Deepest nesting of objects and arrays accepted anywhere in a request body (400 beyond, naming
   * the field): free-form fields are forwarded, and nothing downstream may overflow its stack.
   * At most the protocol's own bound (`MAX_BODY_DEPTH` of `@dds/protocol`).
   */
  @IsInt()
  @Min(4)
  @Max(256)
  max_json_depth!: number;
}

/** `context.*`: conversation sessions (`x-session-id`). */
export class ContextConfig {
  /** Idle seconds after which a session is forgotten. */
  @IsNumber()
  @Min(1)
  @Max(30 * 24 * 3600)
  ttl!: number;

  @IsInt()
  @Min(1)
  @Max(10_000_000)
  max_sessions!: number;
}

/** `responses.*`: the Responses API's stored responses (`store`, `previous_response_id`, background). */
export class ResponsesConfig {
  /** Idle seconds after which a stored response is forgotten. */
  @IsNumber()
  @Min(1)
  @Max(30 * 24 * 3600)
  ttl!: number;

  @IsInt()
  @Min(1)
  @Max(10_000_000)
  max_responses!: number;

  /** Bytes of stored responses with their conversations (approximate). */
  @IsInt()
  @Min(64 * 1024)
  @Max(64 * 1024 * 1024 * 1024)
  max_bytes!: number;
}

/** `logging.*`. */
export class LoggingConfig {
  @IsIn(LOG_LEVELS as unknown as string[], {
    message: `level must be one of ${LOG_LEVELS.join(', ')} (any case)`,
  })
  level!: LogLevelName;
}

/** `fleet.*`: a simulated fleet started beside the gateway (for `npm start`). */
export class FleetConfig {
  @IsIn(FLEET_MODES as unknown as string[])
  mode!: (typeof FLEET_MODES)[number];
}

/** `dashboard.*`: the live web dashboard at `/dashboard` and the WebSocket channels it reads. */
export class DashboardConfig {
  @IsBoolean()
  enabled!: boolean;

  /**
   * Directory of the built page (`nx build dashboard`); empty = the repository's
   * `dist/apps/dashboard`.
   */
  @IsString()
  assets!: string;

  /** Requests per second whose routing decision is explained on the `requests` channel. */
  @IsInt()
  @Min(0)
  @Max(10_000)
  sample_rate!: number;
}

/** The whole, validated gateway configuration. */
export class GatewayConfig {
  @ValidateNested()
  @Type(() => ServerConfig)
  server!: ServerConfig;

  @ValidateNested()
  @Type(() => DdsConfig)
  dds!: DdsConfig;

  @ValidateNested()
  @Type(() => DdsSecurityConfig)
  dds_security!: DdsSecurityConfig;

  @ValidateNested()
  @Type(() => AgentsConfig)
  agents!: AgentsConfig;

  @ValidateNested()
  @Type(() => SchedulerConfig)
  scheduler!: SchedulerConfig;

  @ValidateNested()
  @Type(() => SelectorConfig)
  selector!: SelectorConfig;

  @ValidateNested()
  @Type(() => LimitsConfig)
  limits!: LimitsConfig;

  @ValidateNested()
  @Type(() => ContextConfig)
  context!: ContextConfig;

  @ValidateNested()
  @Type(() => ResponsesConfig)
  responses!: ResponsesConfig;

  @ValidateNested()
  @Type(() => LoggingConfig)
  logging!: LoggingConfig;

  @ValidateNested()
  @Type(() => FleetConfig)
  fleet!: FleetConfig;

  @ValidateNested()
  @Type(() => DashboardConfig)
  dashboard!: DashboardConfig;
}
