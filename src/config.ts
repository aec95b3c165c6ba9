// Configuration: read from the environment once, validated as a whole (every problem reported
// at once), handed to the rest of the code as a typed object.
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
  maxDocumentLength: 32_768,
  maxTokens: 2_000,
  maxDepth: 12,
  maxAliases: 20,
  maxDirectives: 20,
  maxCost: 25_000,
  listFactor: 5,
  maxBatch: 10,
  introspection: true,
  suggestions: true,
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
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const MonteCarloTenants = z.record(
  z.string().min(1),
  z.strictObject({
    /** The webhook's shared secret; without one the endpoint wants a bearer token with the ingest role. */
    secret: z.string().min(8).optional(),
    /** Prefix that turns Monte Carlo's `database:schema.table` into a qualified name. */
    namespace: z.string().min(1).optional(),
  }),
);

export type MonteCarloTenantConfig = z.output<typeof MonteCarloTenants>[string];

/** Every environment variable metalake reads, with its description (docs/configuration.md is generated from it). */
export const EnvSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe('`production` turns introspection, suggestions and demo data off by default and requires real JWT keys.'),
  PORT: int(0, 65535).default(4000).describe('HTTP and websocket port (0: any free port).'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface to listen on; use `127.0.0.1` to keep the server local.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level; logs are JSON lines, tokens and secrets redacted.'),
  STORE: z
    .enum(['embedded', 'neo4j'])
    .default('embedded')
    .describe('The graph store: SQLite in DATA_DIR (`embedded`), or Neo4j 5 (`neo4j`, needs NEO4J_URI).'),
  NEO4J_URI: z
    .string()
    .regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\/.+/, 'must be a bolt:// or neo4j:// URI')
    .optional()
    .describe('With STORE=neo4j: `bolt://host:7687` or `neo4j://…` (`+s`/`+ssc` for TLS).'),
  NEO4J_USER: z.string().min(1).optional().describe('Neo4j user (none: no authentication).'),
  NEO4J_PASSWORD: z.string().optional().describe('Neo4j password.'),
  NEO4J_DATABASE: z.string().min(1).optional().describe("Neo4j database (default: the server's default one)."),
  NEO4J_SLOW_QUERY_MS: int(0, 3_600_000)
    .default(500)
    .describe('Cypher statements that take at least this long are logged at warn with their duration (0: every statement, for profiling).'),
  SEARCH: z
    .enum(['embedded', 'elasticsearch'])
    .optional()
    .describe(
      'The search index: SQLite FTS5 in DATA_DIR (`embedded`), or Elasticsearch 8 (`elasticsearch`). Default: Elasticsearch when ELASTICSEARCH_URL is set.',
    ),
  SEARCH_WORKERS: int(0, 16)
    .default(2)
    .describe(
      'With the embedded search index: worker threads that answer searches, each with its own read-only connection (0: on the main thread).',
    ),
  ELASTICSEARCH_URL: z.string().url().optional().describe('Elasticsearch 8 URL, e.g. `http://127.0.0.1:9200`.'),
  ELASTICSEARCH_USERNAME: z.string().min(1).optional().describe('Elasticsearch basic-auth user.'),
  ELASTICSEARCH_PASSWORD: z.string().optional().describe('Elasticsearch basic-auth password.'),
  ELASTICSEARCH_API_KEY: z.string().min(1).optional().describe('Elasticsearch API key (instead of user and password).'),
  ELASTICSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lowercase letters, digits, - and _')
    .default('metalake-assets')
    .describe('Index and alias names: `<prefix>-<tenant>-<hash>` (read alias), `…-all` (write alias), `…-v<mapping>-<time>` (indices).'),
  DATA_DIR: z
    .string()
    .min(1)
    .default('.metalake')
    .describe('Where the embedded store, the embedded search index and the development JWT secret live.'),
  EMBEDDED_SYNC: z
    .enum(['full', 'normal'])
    .default('full')
    .describe('SQLite `synchronous`: `full` survives power loss; `normal` is faster and survives process crashes.'),
  DEMO_DATA: bool.optional().describe('Load the demo estate into tenant `demo` at start (default: on unless NODE_ENV=production).'),
  JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe(
      'HS256 secret (at least 32 characters) to verify bearer tokens. Without it and JWT_JWKS_URL, a development secret is kept in DATA_DIR.',
    ),
  JWT_JWKS_URL: z
    .url()
    .optional()
    .describe(
      'JWKS URL of your identity provider (Keycloak: `…/realms/<realm>/protocol/openid-connect/certs`); replaces JWT_SECRET. Keys are cached and refetched on an unknown `kid`.',
    ),
  JWT_ISSUER: z.string().min(1).optional().describe('Required `iss` of tokens.'),
  JWT_AUDIENCE: z.string().min(1).optional().describe('Required `aud` of tokens.'),
  JWT_ALGORITHMS: csv
    .optional()
    .describe(
      'Accepted algorithms, comma-separated (default: HS256 with a secret, RS256,ES256 with JWKS); a symmetric algorithm with JWKS, or the reverse, is refused at start.',
    ),
  JWT_TENANT_CLAIM: z
    .string()
    .min(1)
    .default('tenant')
    .describe('Claim holding the tenant, a dotted path: a string, a one-element array, or a one-key object (Keycloak `organization`).'),
  JWT_ROLES_CLAIM: z
    .string()
    .min(1)
    .default('roles')
    .describe(
      'Claim holding the roles, a dotted path (e.g. `realm_access.roles`): a list or a space- or comma-separated string; roles metalake does not know are ignored.',
    ),
  JWT_CLOCK_TOLERANCE_SECONDS: int(0, 600)
    .default(30)
    .describe('Leeway for `exp`, `nbf` and `iat` (a token issued further in the future is refused).'),
  JWT_JWKS_COOLDOWN_SECONDS: int(0, 3600)
    .default(30)
    .describe(
      'After a refetch of the key set, an unknown `kid` does not trigger another for this long (a flood of forged kids costs one fetch).',
    ),
  JWT_JWKS_CACHE_SECONDS: int(1, 86_400)
    .default(600)
    .describe('Known keys are refetched at least this often, so removed (revoked) keys stop working.'),
  MAX_BATCH: int(1, 100_000).default(1000).describe('Items in one mutation call (assets, edges, names).'),
  LINEAGE_MAX_DEPTH: int(1, 100).default(10).describe('Deepest `lineage(depth:)` accepted.'),
  LINEAGE_MAX_NODES: int(1, 1_000_000).default(5000).describe('Nodes in one lineage answer; beyond it the answer says `truncated`.'),
  LINEAGE_MAX_EDGES: int(1, 1_000_000)
    .default(10_000)
    .describe('Edges in one lineage answer (per direction), and edges one `Asset.upstream`/`downstream` may list.'),
  GRAPHQL_INTROSPECTION: bool.optional().describe('Allow introspection (default: on unless NODE_ENV=production).'),
  GRAPHQL_SUGGESTIONS: bool
    .optional()
    .describe('"Did you mean …?" hints in validation errors, which disclose the schema (default: on unless NODE_ENV=production).'),
  GRAPHQL_MAX_DOCUMENT_LENGTH: int(256, 10 * 1024 * 1024)
    .default(DEFAULT_LIMITS.maxDocumentLength)
    .describe('Longest accepted query document, in characters (variables are bounded by MAX_BODY_BYTES).'),
  GRAPHQL_MAX_TOKENS: int(10, 1_000_000).default(DEFAULT_LIMITS.maxTokens).describe('Most lexical tokens in one document.'),
  GRAPHQL_MAX_DEPTH: int(2, 1000)
    .default(DEFAULT_LIMITS.maxDepth)
    .describe('Deepest selection accepted (fragments flattened; introspection not counted).'),
  GRAPHQL_MAX_ALIASES: int(0, 10_000).default(DEFAULT_LIMITS.maxAliases).describe('Most aliases in one operation.'),
  GRAPHQL_MAX_DIRECTIVES: int(0, 10_000).default(DEFAULT_LIMITS.maxDirectives).describe('Most directives in one operation.'),
  GRAPHQL_MAX_COST: int(1, 1_000_000_000)
    .default(DEFAULT_LIMITS.maxCost)
    .describe(
      'Highest estimated cost of an operation: one per field, times `first` for paged fields (page sizes given as variables count), times GRAPHQL_LIST_FACTOR for other lists of objects.',
    ),
  GRAPHQL_LIST_FACTOR: int(1, 10_000)
    .default(DEFAULT_LIMITS.listFactor)
    .describe('What an unpaged list of objects counts for in the cost estimate.'),
  GRAPHQL_MAX_BATCH: int(1, 1000)
    .default(DEFAULT_LIMITS.maxBatch)
    .describe('Operations in one batched HTTP request (a JSON array); 1 turns batching off.'),
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024)
    .default(2 * 1024 * 1024)
    .describe('Largest request body (GraphQL and ingest endpoints) and websocket message.'),
  OUTBOX_RETENTION_HOURS: int(1, 24 * 365)
    .default(24)
    .describe('How long published change events stay in the outbox.'),
  SHUTDOWN_GRACE_SECONDS: int(1, 3600)
    .default(30)
    .describe('How long a stopping process (server or worker) may drain its workers and close before it exits anyway.'),
  KAFKA_BROKERS: csv
    .optional()
    .describe(
      'Kafka brokers `host:port[,host:port…]`. When set, Kafka carries the change feed, the ingest lanes and the enforcer outputs (topics are created at start when missing); unset, all of it is in-process.',
    ),
  KAFKA_CLIENT_ID: z.string().min(1).default('metalake').describe('Kafka client id.'),
  KAFKA_GROUP_PREFIX: z
    .string()
    .min(1)
    .default('metalake')
    .describe(
      'Prefix of consumer groups (`<prefix>.ingest.priority`, `.ingest.bulk`, `.enforcer`, `.indexer`, `.feed.<host>.<pid>.<random>`).',
    ),
  KAFKA_PARTITIONS: int(1, 1000).default(3).describe('Partitions of the topics metalake creates.'),
  KAFKA_SESSION_TIMEOUT_MS: int(6000, 300_000)
    .default(30_000)
    .describe('How long a silent worker keeps its partitions (a crashed one blocks them this long).'),
  KAFKA_TOPIC_CHANGES: z
    .string()
    .min(1)
    .default('metalake.changes')
    .describe('Committed change events (JSON, key = tenant), from the outbox relay to every replica, the indexer and the enforcer worker.'),
  KAFKA_TOPIC_INGEST: z
    .string()
    .min(1)
    .default('metalake.ingest')
    .describe('Inbound events, core lane: databases, schemas, tables, dashboards, pipelines, lineage, incidents.'),
  KAFKA_TOPIC_INGEST_BULK: z
    .string()
    .min(1)
    .default('metalake.ingest.bulk')
    .describe('Inbound events, bulk lane: columns and column lineage, consumed in larger batches.'),
  KAFKA_TOPIC_DLQ: z
    .string()
    .min(1)
    .default('metalake.ingest.dlq')
    .describe(
      'Dead letters: the original key, value and headers plus `metalake-dlq-*` headers (source topic, partition, offset, error code, reason, time).',
    ),
  KAFKA_TOPIC_CLASSIFICATIONS: z
    .string()
    .min(1)
    .default('metalake.classifications')
    .describe(
      '`metalake.classification.changed.v1` CloudEvents for access-policy enforcers (binary mode, key = tenant, id = change event id).',
    ),
  KAFKA_TOPIC_ATLAS: z
    .string()
    .min(1)
    .default('ATLAS_ENTITIES')
    .describe('The same in Apache Atlas ENTITY_NOTIFICATION_V2 shape (Apache Ranger TagSync), when ATLAS_NOTIFICATIONS is on.'),
  ATLAS_NOTIFICATIONS: bool
    .default(false)
    .describe('Also publish classification changes as Apache Atlas notifications (needs KAFKA_BROKERS).'),
  ATLAS_CLUSTER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, _ . - only')
    .default('primary')
    .describe('The cluster in Atlas qualified names of Hive assets (`db.table@cluster`); Ranger maps it to the service `<cluster>_hive`.'),
  WORKERS: csv
    .pipe(z.array(z.enum(['ingest', 'enforcer', 'propagation', 'indexer', 'crawler', 'none'])))
    .optional()
    .describe(
      'Background workers this process runs, comma-separated: `ingest` and `enforcer` (need Kafka), `propagation`, `indexer` (keeps the search index fresh), `crawler` (runs CONNECTORS_FILE), or `none` for an API-only replica; default: all of them.',
    ),
  PROPAGATION_SYNC_LIMIT: int(1, 1_000_000)
    .default(5000)
    .describe("Propagation row changes one unit may make inside the change's own transaction; larger units go to the background worker."),
  PROPAGATION_CHUNK: int(1, 100_000).default(5000).describe('Propagation rows the background worker writes per transaction.'),
  INGEST_CHUNK_PRIORITY: int(1, 10_000).default(1000).describe('Events per transaction on the core ingest lane.'),
  INGEST_CHUNK_BULK: int(1, 10_000).default(2000).describe('Events per transaction on the bulk lane.'),
  INGEST_DEFERRAL_MS: int(0, 3_600_000)
    .default(30_000)
    .describe('How long an event whose parent has not arrived yet is retried before it goes to the dead letters.'),
  INGEST_CLAIM_RETENTION_HOURS: int(1, 24 * 365)
    .default(24 * 7)
    .describe('How long applied event ids are remembered (the redelivery window of idempotent ingestion).'),
  INGEST_RUN_RETENTION_HOURS: int(1, 24 * 365)
    .default(24 * 30)
    .describe('How long a reported run (OpenLineage run cycle) is remembered after its last event.'),
  INGEST_MAX_EVENTS_PER_REQUEST: int(1, 1_000_000)
    .default(10_000)
    .describe('Ingest events one HTTP source request may expand to, and lineage edges one run may mean.'),
  SUBSCRIPTIONS_PER_CONNECTION: int(1, 100_000).default(100).describe('Live subscriptions one websocket connection may hold.'),
  SUBSCRIPTIONS_PER_TENANT: int(1, 10_000_000).default(10_000).describe('Live subscriptions one tenant may hold on one replica.'),
  TAG_RULES_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      "How sources' own labels become classifications (OpenLineage TagsDatasetFacet and TagsJobFacet, dbt tags and meta), YAML; default: `meta.contains_pii: true` or the tag `pii` → PII. See examples/tag-rules.yaml.",
    ),
  CONNECTORS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Sources the `crawler` worker crawls on cron schedules (YAML: tenant, type postgres or dbt, its settings, schedule, include/exclude patterns, credentials from environment variables or files); see examples/connectors.yaml.',
    ),
  TRANSFORMS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Per-tenant pre-ingest rules, YAML or JSON (name normalisation, data types, owners by pattern, classification of columns by name or type); see examples/transforms.yaml.',
    ),
  MONTE_CARLO_TENANTS: z
    .string()
    .transform((v, ctx) => {
      try {
        return MonteCarloTenants.parse(JSON.parse(v));
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be JSON like {"acme": {"secret": "…", "namespace": "snowflake://acme/"}} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
        });
        return z.NEVER;
      }
    })
    .optional()
    .describe('Tenants whose Monte Carlo webhooks are accepted, as JSON: `{"acme": {"secret": "…", "namespace": "snowflake://acme/"}}`.'),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  store: 'embedded' | 'neo4j';
  neo4j: {
    uri: string;
    user: string | undefined;
    password: string | undefined;
    database: string | undefined;
    slowQueryMs: number;
  } | null;
  /** The search index: SQLite FTS5 in DATA_DIR, or Elasticsearch. */
  search:
    | { kind: 'embedded'; workers: number }
    | {
        kind: 'elasticsearch';
        url: string;
        username: string | undefined;
        password: string | undefined;
        apiKey: string | undefined;
        prefix: string;
      };
  dataDir: string;
  embeddedSync: 'full' | 'normal';
  demoData: boolean;
  jwt: {
    secret: string | null;
    /**
     * True when neither JWT_SECRET nor JWT_JWKS_URL is set (never in production): the processes
     * share a random secret kept in `devSecretFile`, which `withDevelopmentSecret` (auth/dev-secret.ts)
     * reads or creates. Loading the configuration itself touches no file.
     */
    devSecret: boolean;
    devSecretFile: string;
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
  limits: {
    maxBatch: number;
    maxLineageDepth: number;
    maxLineageNodes: number;
    maxLineageEdges: number;
    maxBodyBytes: number;
    maxSyncPropagation: number;
    maxRunEdges: number;
  };
  /** What one GraphQL request may ask for (both transports); introspection and suggestions are off in production unless set. */
  graphql: GraphQLLimits;
  /** Live subscriptions one websocket connection, and one tenant on one replica, may hold. */
  subscriptions: { perConnection: number; perTenant: number };
  outboxRetentionHours: number;
  /** How long a stopping process may take to drain its workers and close before it exits anyway. */
  shutdownGraceMs: number;
  /** Kafka between ingestion, workers and replicas; null in embedded mode (in-process feed and ingestion). */
  kafka: KafkaSettings | null;
  /** Workers this process runs (with Kafka). */
  workers: WorkerName[];
  /** Background propagation writes `chunk` rows per transaction (units over `limits.maxSyncPropagation` go there). */
  propagation: { chunk: number };
  /** maxEventsPerRequest: ingest events one HTTP source request may expand to (an OpenLineage run's inputs × outputs edges, say). */
  ingest: {
    chunkPriority: number;
    chunkBulk: number;
    deferralMs: number;
    claimRetentionHours: number;
    runRetentionHours: number;
    maxEventsPerRequest: number;
    transformsFile: string | null;
    /** Sources the crawler worker runs on schedules (null: none). */
    connectorsFile: string | null;
    /** How sources' labels become classifications (null: the built-in rules). */
    tagRulesFile: string | null;
  };
  monteCarlo: Record<string, MonteCarloTenantConfig>;
}

/** Background workers a process can run: ingest lanes and enforcer output need Kafka; propagation and the search indexer run everywhere. */
export type WorkerName = 'ingest' | 'enforcer' | 'propagation' | 'indexer' | 'crawler';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SYMMETRIC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

type Env = z.output<typeof EnvSchema>;

/** What no single variable's rule can see: the combinations that cannot work. */
function combinationProblems(e: Env, algorithms: readonly string[]): string[] {
  const problems: string[] = [];
  if (e.JWT_SECRET && e.JWT_JWKS_URL) problems.push('JWT_SECRET and JWT_JWKS_URL: set one, not both');
  if (e.SEARCH === 'elasticsearch' && !e.ELASTICSEARCH_URL)
    problems.push('ELASTICSEARCH_URL is required with SEARCH=elasticsearch (e.g. http://127.0.0.1:9200)');
  if (e.STORE === 'neo4j' && !e.NEO4J_URI) problems.push('NEO4J_URI is required with STORE=neo4j (e.g. bolt://127.0.0.1:7687)');
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET && !e.JWT_JWKS_URL)
    problems.push('JWT_JWKS_URL (or JWT_SECRET) is required when NODE_ENV=production');
  const allowed = e.JWT_JWKS_URL ? ASYMMETRIC : SYMMETRIC;
  for (const a of algorithms) {
    if (!allowed.includes(a))
      problems.push(
        `JWT_ALGORITHMS: ${a} is not allowed with ${e.JWT_JWKS_URL ? 'JWT_JWKS_URL' : 'JWT_SECRET'} (allowed: ${allowed.join(', ')})`,
      );
  }
  if (e.KAFKA_BROKERS && e.KAFKA_BROKERS.some((b) => !/^[^:\s]+:\d+$/.test(b)))
    problems.push('KAFKA_BROKERS: expected host:port[,host:port…] (e.g. 127.0.0.1:9092)');
  if (e.ATLAS_NOTIFICATIONS && !e.KAFKA_BROKERS)
    problems.push('ATLAS_NOTIFICATIONS needs KAFKA_BROKERS (Atlas notifications are a Kafka topic)');
  return problems;
}

/** Reads the configuration from the environment; throws ConfigError naming every problem. Touches no file. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const production = e.NODE_ENV === 'production';
  const algorithms = e.JWT_ALGORITHMS ?? (e.JWT_JWKS_URL ? ['RS256', 'ES256'] : ['HS256']);
  const problems = combinationProblems(e, algorithms);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    store: e.STORE,
    neo4j: e.NEO4J_URI
      ? { uri: e.NEO4J_URI, user: e.NEO4J_USER, password: e.NEO4J_PASSWORD, database: e.NEO4J_DATABASE, slowQueryMs: e.NEO4J_SLOW_QUERY_MS }
      : null,
    search:
      e.ELASTICSEARCH_URL && e.SEARCH !== 'embedded'
        ? {
            kind: 'elasticsearch',
            url: e.ELASTICSEARCH_URL,
            username: e.ELASTICSEARCH_USERNAME,
            password: e.ELASTICSEARCH_PASSWORD,
            apiKey: e.ELASTICSEARCH_API_KEY,
            prefix: e.ELASTICSEARCH_INDEX_PREFIX,
          }
        : { kind: 'embedded', workers: e.SEARCH_WORKERS },
    dataDir,
    embeddedSync: e.EMBEDDED_SYNC,
    demoData: e.DEMO_DATA ?? !production,
    jwt: jwtSettings(e, algorithms, dataDir),
    limits: {
      maxBatch: e.MAX_BATCH,
      maxLineageDepth: e.LINEAGE_MAX_DEPTH,
      maxLineageNodes: e.LINEAGE_MAX_NODES,
      maxLineageEdges: e.LINEAGE_MAX_EDGES,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxSyncPropagation: e.PROPAGATION_SYNC_LIMIT,
      maxRunEdges: e.INGEST_MAX_EVENTS_PER_REQUEST,
    },
    subscriptions: { perConnection: e.SUBSCRIPTIONS_PER_CONNECTION, perTenant: e.SUBSCRIPTIONS_PER_TENANT },
    graphql: graphqlLimits(e, production),
    outboxRetentionHours: e.OUTBOX_RETENTION_HOURS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    kafka: kafkaSettings(e),
    workers: (e.WORKERS ?? ['ingest', 'enforcer', 'propagation', 'indexer', 'crawler']).filter((w): w is WorkerName => w !== 'none'),
    propagation: { chunk: e.PROPAGATION_CHUNK },
    ingest: {
      chunkPriority: e.INGEST_CHUNK_PRIORITY,
      chunkBulk: e.INGEST_CHUNK_BULK,
      deferralMs: e.INGEST_DEFERRAL_MS,
      claimRetentionHours: e.INGEST_CLAIM_RETENTION_HOURS,
      runRetentionHours: e.INGEST_RUN_RETENTION_HOURS,
      maxEventsPerRequest: e.INGEST_MAX_EVENTS_PER_REQUEST,
      transformsFile: e.TRANSFORMS_FILE ? resolve(e.TRANSFORMS_FILE) : null,
      connectorsFile: e.CONNECTORS_FILE ? resolve(e.CONNECTORS_FILE) : null,
      tagRulesFile: e.TAG_RULES_FILE ? resolve(e.TAG_RULES_FILE) : null,
    },
    monteCarlo: e.MONTE_CARLO_TENANTS ?? {},
  };
}

function kafkaSettings(e: Env): KafkaSettings | null {
  return e.KAFKA_BROKERS
    ? {
        brokers: e.KAFKA_BROKERS,
        clientId: e.KAFKA_CLIENT_ID,
        groupPrefix: e.KAFKA_GROUP_PREFIX,
        partitions: e.KAFKA_PARTITIONS,
        sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
        topics: {
          changes: e.KAFKA_TOPIC_CHANGES,
          ingest: e.KAFKA_TOPIC_INGEST,
          ingestBulk: e.KAFKA_TOPIC_INGEST_BULK,
          deadLetters: e.KAFKA_TOPIC_DLQ,
          classifications: e.KAFKA_TOPIC_CLASSIFICATIONS,
          atlas: e.KAFKA_TOPIC_ATLAS,
        },
        atlasNotifications: e.ATLAS_NOTIFICATIONS,
        atlasClusterName: e.ATLAS_CLUSTER_NAME,
      }
    : null;
}

function jwtSettings(e: Env, algorithms: string[], dataDir: string): Config['jwt'] {
  const devSecret = !e.JWT_SECRET && !e.JWT_JWKS_URL;
  return {
    secret: e.JWT_SECRET ?? null,
    devSecret,
    devSecretFile: join(dataDir, 'dev-jwt-secret'),
    jwksUrl: e.JWT_JWKS_URL ?? null,
    issuer: e.JWT_ISSUER ?? null,
    audience: e.JWT_AUDIENCE ?? null,
    algorithms,
    tenantClaim: e.JWT_TENANT_CLAIM,
    rolesClaim: e.JWT_ROLES_CLAIM,
    clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_SECONDS,
    jwksCooldownSeconds: e.JWT_JWKS_COOLDOWN_SECONDS,
    jwksCacheSeconds: e.JWT_JWKS_CACHE_SECONDS,
  };
}

function graphqlLimits(e: Env, production: boolean): Config['graphql'] {
  return {
    maxDocumentLength: e.GRAPHQL_MAX_DOCUMENT_LENGTH,
    maxTokens: e.GRAPHQL_MAX_TOKENS,
    maxDepth: e.GRAPHQL_MAX_DEPTH,
    maxAliases: e.GRAPHQL_MAX_ALIASES,
    maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
    maxCost: e.GRAPHQL_MAX_COST,
    listFactor: e.GRAPHQL_LIST_FACTOR,
    maxBatch: e.GRAPHQL_MAX_BATCH,
    introspection: e.GRAPHQL_INTROSPECTION ?? !production,
    suggestions: e.GRAPHQL_SUGGESTIONS ?? !production,
  };
}
