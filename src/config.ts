// Configuration: read from the environment once, validated as a whole (every problem reported
// at once), handed to the rest of the code as a typed object.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** What one GraphQL request may ask for (read by graphql/limits.ts). */
export interface GraphQLLimits {
  /** Longest accepted query document, in UTF-16 code units (characters). */
  maxDocumentLength: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Estimated cost: one per field, times the page size (`first`) for paged fields, times `listFactor` for other lists of objects. */
  maxCost: number;
  listFactor: number;
  /** Operations in one batched HTTP request (a JSON array); 1 turns batching off. */
  maxBatch: number;
  introspection: boolean;
  /** "Did you mean …?" hints in validation errors (they disclose the schema). */
  suggestions: boolean;
}

export const DEFAULT_LIMITS: GraphQLLimits = {
  maxDocumentLength: 32_768, maxTokens: 2_000, maxDepth: 12, maxAliases: 20, maxDirectives: 20,
  maxCost: 25_000, listFactor: 5, maxBatch: 10, introspection: true, suggestions: true,
};

export interface KafkaTopics {
  /** Committed change events, from the outbox relay to every replica, the indexer and the enforcer worker. */
  changes: string;
  /** Inbound events, core lane: databases, schemas, tables, dashboards, pipelines, lineage, incidents. */
  ingest: string;
  /** Inbound events, bulk lane: columns and column lineage, consumed in larger batches. */
  ingestBulk: string;
  /** Inbound events that could not be applied, with the reason and where they came from. */
  deadLetters: string;
  /** Classification events for downstream enforcers, as CloudEvents. */
  classifications: string;
  /** The same, in Apache Atlas ENTITY_NOTIFICATION_V2 shape (Apache Ranger TagSync), when enabled. */
  atlas: string;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  groupPrefix: string;
  partitions: number;
  sessionTimeoutMs: number;
  topics: KafkaTopics;
  atlasNotifications: boolean;
  /** The cluster in Atlas qualified names of Hive assets (`db.table@cluster`). */
  atlasClusterName: string;
}

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const MonteCarloTenants = z.record(z.string().min(1), z.strictObject({
  /** The webhook's shared secret; without one the endpoint wants a bearer token with the ingest role. */
  secret: z.string().min(8).optional(),
  /** Prefix that turns Monte Carlo's `database:schema.table` into a qualified name. */
  namespace: z.string().min(1).optional(),
}));

export type MonteCarloTenantConfig = z.output<typeof MonteCarloTenants>[string];

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STORE: z.enum(['embedded', 'neo4j']).default('embedded'),
  NEO4J_URI: z.string().regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\/.+/, 'must be a bolt:// or neo4j:// URI').optional(),
  NEO4J_USER: z.string().min(1).optional(),
  NEO4J_PASSWORD: z.string().optional(),
  NEO4J_DATABASE: z.string().min(1).optional(),
  SEARCH: z.enum(['embedded', 'elasticsearch']).optional(),
  ELASTICSEARCH_URL: z.string().url().optional(),
  ELASTICSEARCH_USERNAME: z.string().min(1).optional(),
  ELASTICSEARCH_PASSWORD: z.string().optional(),
  ELASTICSEARCH_API_KEY: z.string().min(1).optional(),
  ELASTICSEARCH_INDEX_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lowercase letters, digits, - and _').default('metalake-assets'),
  DATA_DIR: z.string().min(1).default('.metalake'),
  EMBEDDED_SYNC: z.enum(['full', 'normal']).default('full'),
  DEMO_DATA: bool.optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_ALGORITHMS: csv.optional(),
  JWT_TENANT_CLAIM: z.string().min(1).default('tenant'),
  JWT_ROLES_CLAIM: z.string().min(1).default('roles'),
  JWT_CLOCK_TOLERANCE_SECONDS: int(0, 600).default(30),
  /** After a refetch of the key set, an unknown `kid` does not trigger another for this long (a flood of forged kids costs one fetch). */
  JWT_JWKS_COOLDOWN_SECONDS: int(0, 3600).default(30),
  /** Known keys are refetched at least this often, so removed (revoked) keys stop working. */
  JWT_JWKS_CACHE_SECONDS: int(1, 86_400).default(600),
  MAX_BATCH: int(1, 100_000).default(1000),
  LINEAGE_MAX_DEPTH: int(1, 100).default(10),
  LINEAGE_MAX_NODES: int(1, 1_000_000).default(5000),
  LINEAGE_MAX_EDGES: int(1, 1_000_000).default(10_000),
  GRAPHQL_INTROSPECTION: bool.optional(),
  GRAPHQL_SUGGESTIONS: bool.optional(),
  GRAPHQL_MAX_DOCUMENT_LENGTH: int(256, 10 * 1024 * 1024).default(DEFAULT_LIMITS.maxDocumentLength),
  GRAPHQL_MAX_TOKENS: int(10, 1_000_000).default(DEFAULT_LIMITS.maxTokens),
  GRAPHQL_MAX_DEPTH: int(2, 1000).default(DEFAULT_LIMITS.maxDepth),
  GRAPHQL_MAX_ALIASES: int(0, 10_000).default(DEFAULT_LIMITS.maxAliases),
  GRAPHQL_MAX_DIRECTIVES: int(0, 10_000).default(DEFAULT_LIMITS.maxDirectives),
  GRAPHQL_MAX_COST: int(1, 1_000_000_000).default(DEFAULT_LIMITS.maxCost),
  GRAPHQL_LIST_FACTOR: int(1, 10_000).default(DEFAULT_LIMITS.listFactor),
  GRAPHQL_MAX_BATCH: int(1, 1000).default(DEFAULT_LIMITS.maxBatch),
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(2 * 1024 * 1024),
  OUTBOX_RETENTION_HOURS: int(1, 24 * 365).default(24),
  KAFKA_BROKERS: csv.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('metalake'),
  KAFKA_GROUP_PREFIX: z.string().min(1).default('metalake'),
  KAFKA_PARTITIONS: int(1, 1000).default(3),
  /** How long a silent worker keeps its partitions (a crashed one blocks them this long). */
  KAFKA_SESSION_TIMEOUT_MS: int(6000, 300_000).default(30_000),
  KAFKA_TOPIC_CHANGES: z.string().min(1).default('metalake.changes'),
  KAFKA_TOPIC_INGEST: z.string().min(1).default('metalake.ingest'),
  KAFKA_TOPIC_INGEST_BULK: z.string().min(1).default('metalake.ingest.bulk'),
  KAFKA_TOPIC_DLQ: z.string().min(1).default('metalake.ingest.dlq'),
  KAFKA_TOPIC_CLASSIFICATIONS: z.string().min(1).default('metalake.classifications'),
  KAFKA_TOPIC_ATLAS: z.string().min(1).default('ATLAS_ENTITIES'),
  ATLAS_NOTIFICATIONS: bool.default(false),
  // Atlas' own default `atlas.cluster.name`; Ranger maps `db.table@<cluster>` to the service `<cluster>_hive`.
  ATLAS_CLUSTER_NAME: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, _ . - only').default('primary'),
  WORKERS: csv.pipe(z.array(z.enum(['ingest', 'enforcer', 'propagation', 'indexer', 'none']))).optional(),
  PROPAGATION_SYNC_LIMIT: int(1, 1_000_000).default(5000),
  PROPAGATION_CHUNK: int(1, 100_000).default(5000),
  INGEST_CHUNK_PRIORITY: int(1, 10_000).default(1000),
  INGEST_CHUNK_BULK: int(1, 10_000).default(2000),
  INGEST_DEFERRAL_MS: int(0, 3_600_000).default(30_000),
  INGEST_CLAIM_RETENTION_HOURS: int(1, 24 * 365).default(24 * 7),
  INGEST_RUN_RETENTION_HOURS: int(1, 24 * 365).default(24 * 30),
  INGEST_MAX_EVENTS_PER_REQUEST: int(1, 1_000_000).default(10_000),
  SUBSCRIPTIONS_PER_CONNECTION: int(1, 100_000).default(100),
  SUBSCRIPTIONS_PER_TENANT: int(1, 10_000_000).default(10_000),
  TRANSFORMS_FILE: z.string().min(1).optional(),
  MONTE_CARLO_TENANTS: z.string().transform((v, ctx) => {
    try {
      return MonteCarloTenants.parse(JSON.parse(v));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be JSON like {"acme": {"secret": "…", "namespace": "snowflake://acme/"}} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` });
      return z.NEVER;
    }
  }).optional(),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  store: 'embedded' | 'neo4j';
  neo4j: { uri: string; user: string | undefined; password: string | undefined; database: string | undefined } | null;
  /** The search index: SQLite FTS5 in DATA_DIR, or Elasticsearch. */
  search: { kind: 'embedded' } | { kind: 'elasticsearch'; url: string; username: string | undefined; password: string | undefined; apiKey: string | undefined; prefix: string };
  dataDir: string;
  embeddedSync: 'full' | 'normal';
  demoData: boolean;
  jwt: {
    secret: string | null;
    /** True when the secret was generated for local development (never in production). */
    devSecret: boolean;
    jwksUrl: string | null;
    issuer: string | null;
    audience: string | null;
    algorithms: string[];
    tenantClaim: string;
    rolesClaim: string;
    clockToleranceSeconds: number;
    jwksCooldownSeconds: number;
    jwksCacheSeconds: number;
  };
  limits: { maxBatch: number; maxLineageDepth: number; maxLineageNodes: number; maxLineageEdges: number; maxBodyBytes: number; maxSyncPropagation: number; maxRunEdges: number };
  /** What one GraphQL request may ask for (both transports); introspection and suggestions are off in production unless set. */
  graphql: GraphQLLimits;
  /** Live subscriptions one websocket connection, and one tenant on one replica, may hold. */
  subscriptions: { perConnection: number; perTenant: number };
  outboxRetentionHours: number;
  /** Kafka between ingestion, workers and replicas; null in embedded mode (in-process feed and ingestion). */
  kafka: KafkaSettings | null;
  /** Workers this process runs (with Kafka). */
  workers: WorkerName[];
  /** Background propagation writes `chunk` rows per transaction (units over `limits.maxSyncPropagation` go there). */
  propagation: { chunk: number };
  /** maxEventsPerRequest: ingest events one HTTP source request may expand to (an OpenLineage run's inputs × outputs edges, say). */
  ingest: { chunkPriority: number; chunkBulk: number; deferralMs: number; claimRetentionHours: number; runRetentionHours: number; maxEventsPerRequest: number; transformsFile: string | null };
  monteCarlo: Record<string, MonteCarloTenantConfig>;
}

/** Background workers a process can run: ingest lanes and enforcer output need Kafka; propagation and the search indexer run everywhere. */
export type WorkerName = 'ingest' | 'enforcer' | 'propagation' | 'indexer';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SYMMETRIC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const dataDir = resolve(e.DATA_DIR);
  const production = e.NODE_ENV === 'production';
  if (e.JWT_SECRET && e.JWT_JWKS_URL) problems.push('JWT_SECRET and JWT_JWKS_URL: set one, not both');
  if (e.SEARCH === 'elasticsearch' && !e.ELASTICSEARCH_URL) problems.push('ELASTICSEARCH_URL is required with SEARCH=elasticsearch (e.g. http://127.0.0.1:9200)');
  if (e.STORE === 'neo4j' && !e.NEO4J_URI) problems.push('NEO4J_URI is required with STORE=neo4j (e.g. bolt://127.0.0.1:7687)');
  if (production && !e.JWT_SECRET && !e.JWT_JWKS_URL) problems.push('JWT_JWKS_URL (or JWT_SECRET) is required when NODE_ENV=production');
  const algorithms = e.JWT_ALGORITHMS ?? (e.JWT_JWKS_URL ? ['RS256', 'ES256'] : ['HS256']);
  const allowed = e.JWT_JWKS_URL ? ASYMMETRIC : SYMMETRIC;
  for (const a of algorithms) {
    if (!allowed.includes(a)) problems.push(`JWT_ALGORITHMS: ${a} is not allowed with ${e.JWT_JWKS_URL ? 'JWT_JWKS_URL' : 'JWT_SECRET'} (allowed: ${allowed.join(', ')})`);
  }
  if (e.KAFKA_BROKERS && e.KAFKA_BROKERS.some((b) => !/^[^:\s]+:\d+$/.test(b))) problems.push('KAFKA_BROKERS: expected host:port[,host:port…] (e.g. 127.0.0.1:9092)');
  if (e.ATLAS_NOTIFICATIONS && !e.KAFKA_BROKERS) problems.push('ATLAS_NOTIFICATIONS needs KAFKA_BROKERS (Atlas notifications are a Kafka topic)');
  if (problems.length > 0) throw new ConfigError(problems);
  const devSecret = !e.JWT_SECRET && !e.JWT_JWKS_URL;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    store: e.STORE,
    neo4j: e.NEO4J_URI ? { uri: e.NEO4J_URI, user: e.NEO4J_USER, password: e.NEO4J_PASSWORD, database: e.NEO4J_DATABASE } : null,
    search: e.ELASTICSEARCH_URL && e.SEARCH !== 'embedded'
      ? { kind: 'elasticsearch', url: e.ELASTICSEARCH_URL, username: e.ELASTICSEARCH_USERNAME, password: e.ELASTICSEARCH_PASSWORD, apiKey: e.ELASTICSEARCH_API_KEY, prefix: e.ELASTICSEARCH_INDEX_PREFIX }
      : { kind: 'embedded' },
    dataDir,
    embeddedSync: e.EMBEDDED_SYNC,
    demoData: e.DEMO_DATA ?? !production,
    jwt: {
      secret: e.JWT_SECRET ?? (devSecret ? developmentSecret(dataDir) : null),
      devSecret,
      jwksUrl: e.JWT_JWKS_URL ?? null,
      issuer: e.JWT_ISSUER ?? null,
      audience: e.JWT_AUDIENCE ?? null,
      algorithms,
      tenantClaim: e.JWT_TENANT_CLAIM,
      rolesClaim: e.JWT_ROLES_CLAIM,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_SECONDS,
      jwksCooldownSeconds: e.JWT_JWKS_COOLDOWN_SECONDS,
      jwksCacheSeconds: e.JWT_JWKS_CACHE_SECONDS,
    },
    limits: { maxBatch: e.MAX_BATCH, maxLineageDepth: e.LINEAGE_MAX_DEPTH, maxLineageNodes: e.LINEAGE_MAX_NODES, maxLineageEdges: e.LINEAGE_MAX_EDGES, maxBodyBytes: e.MAX_BODY_BYTES, maxSyncPropagation: e.PROPAGATION_SYNC_LIMIT, maxRunEdges: e.INGEST_MAX_EVENTS_PER_REQUEST },
    subscriptions: { perConnection: e.SUBSCRIPTIONS_PER_CONNECTION, perTenant: e.SUBSCRIPTIONS_PER_TENANT },
    graphql: {
      maxDocumentLength: e.GRAPHQL_MAX_DOCUMENT_LENGTH, maxTokens: e.GRAPHQL_MAX_TOKENS, maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES, maxDirectives: e.GRAPHQL_MAX_DIRECTIVES, maxCost: e.GRAPHQL_MAX_COST,
      listFactor: e.GRAPHQL_LIST_FACTOR, maxBatch: e.GRAPHQL_MAX_BATCH,
      introspection: e.GRAPHQL_INTROSPECTION ?? !production, suggestions: e.GRAPHQL_SUGGESTIONS ?? !production,
    },
    outboxRetentionHours: e.OUTBOX_RETENTION_HOURS,
    kafka: e.KAFKA_BROKERS ? {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      groupPrefix: e.KAFKA_GROUP_PREFIX,
      partitions: e.KAFKA_PARTITIONS,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      topics: {
        changes: e.KAFKA_TOPIC_CHANGES, ingest: e.KAFKA_TOPIC_INGEST, ingestBulk: e.KAFKA_TOPIC_INGEST_BULK, deadLetters: e.KAFKA_TOPIC_DLQ,
        classifications: e.KAFKA_TOPIC_CLASSIFICATIONS, atlas: e.KAFKA_TOPIC_ATLAS,
      },
      atlasNotifications: e.ATLAS_NOTIFICATIONS,
      atlasClusterName: e.ATLAS_CLUSTER_NAME,
    } : null,
    workers: (e.WORKERS ?? ['ingest', 'enforcer', 'propagation', 'indexer']).filter((w): w is WorkerName => w !== 'none'),
    propagation: { chunk: e.PROPAGATION_CHUNK },
    ingest: {
      chunkPriority: e.INGEST_CHUNK_PRIORITY, chunkBulk: e.INGEST_CHUNK_BULK, deferralMs: e.INGEST_DEFERRAL_MS,
      claimRetentionHours: e.INGEST_CLAIM_RETENTION_HOURS, runRetentionHours: e.INGEST_RUN_RETENTION_HOURS, maxEventsPerRequest: e.INGEST_MAX_EVENTS_PER_REQUEST, transformsFile: e.TRANSFORMS_FILE ? resolve(e.TRANSFORMS_FILE) : null,
    },
    monteCarlo: e.MONTE_CARLO_TENANTS ?? {},
  };
}

/** A random HS256 secret kept in the data directory, shared by the server and the `token` command. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
