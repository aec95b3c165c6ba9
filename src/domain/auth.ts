// Who is acting, and what each may do: the one place grants are declared. A user acts through a
// verified JWT and its roles; a system actor is a part of metalake itself acting for a tenant
// (the ingest pipeline, a tenant's transform rules, a connector, the propagation worker), with
// exactly the grants listed here. Every write command checks its actor (services/commands/).
import { DomainError } from './errors.js';

export const ROLES = ['viewer', 'editor', 'steward', 'ingest', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'graph:read'
  | 'asset:write'
  | 'lineage:write'
  | 'classification:write'
  | 'incident:write'
  /** Report a source's run (OpenLineage run cycle). */
  | 'run:write'
  /** Record inbound event ids as applied (idempotent ingestion). */
  | 'event:claim'
  /** Apply a background propagation job's chunks. */
  | 'propagation:run'
  /** Record a connector's crawl runs, its inventory and its lease. */
  | 'crawl:write'
  /** Read connectors' crawl runs (admins). */
  | 'crawl:read';

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['graph:read'],
  editor: ['graph:read', 'asset:write', 'lineage:write', 'incident:write'],
  steward: ['graph:read', 'asset:write', 'lineage:write', 'incident:write', 'classification:write'],
  ingest: ['asset:write', 'lineage:write', 'incident:write'],
  admin: ['graph:read', 'asset:write', 'lineage:write', 'incident:write', 'classification:write', 'crawl:read'],
};

/** Everything a set of roles allows, in the order the grants list them. */
export function permissionsOf(roles: readonly Role[]): Permission[] {
  return [...new Set(roles.flatMap((r) => GRANTS[r]))];
}

/** A user: the verified caller of the API. */
export interface Viewer {
  subject: string;
  tenant: string;
  roles: Role[];
  /** Token expiry, seconds since the epoch, when the token has one. */
  expiresAt: number | null;
}

export const SYSTEMS = ['ingest', 'transform', 'connector', 'propagation'] as const;
export type System = (typeof SYSTEMS)[number];

const SYSTEM_GRANTS: Record<System, readonly Permission[]> = {
  /** The ingest pipeline (Kafka lanes, HTTP sources, the import CLI) applying producers' events. */
  ingest: ['asset:write', 'lineage:write', 'incident:write', 'run:write', 'event:claim'],
  /** A tenant's transform rule classifying what ingestion brought in. */
  transform: ['classification:write'],
  /** A crawler reading a source (databases, dbt projects). */
  connector: ['crawl:write'],
  /** The background worker applying a large propagation's chunks. */
  propagation: ['propagation:run'],
};

/** A part of metalake acting for a tenant; `subject` is what history and events name as the actor. */
export interface SystemActor {
  readonly kind: 'system';
  readonly system: System;
  readonly tenant: string;
  readonly subject: string;
}

export type Actor = Viewer | SystemActor;

export const systemActor = (system: System, tenant: string, subject: string): SystemActor => ({ kind: 'system', system, tenant, subject });

const isSystem = (actor: Actor): actor is SystemActor => 'kind' in actor && actor.kind === 'system';

export function can(actor: Actor | null, permission: Permission): boolean {
  if (actor === null) return false;
  if (isSystem(actor)) return SYSTEM_GRANTS[actor.system].includes(permission);
  return actor.roles.some((role) => GRANTS[role].includes(permission));
}

/** The gate every service method and every command passes first; graphql-shield is only the outer one. */
export function authorize<A extends Actor>(actor: A | null, permission: Permission): A {
  if (actor === null) throw new DomainError('UNAUTHENTICATED', 'Authentication required: send a bearer token');
  if (!can(actor, permission)) {
    throw new DomainError(
      'FORBIDDEN',
      isSystem(actor)
        ? `The ${actor.system} system actor (${actor.subject}) is not granted ${permission}`
        : `Your roles (${actor.roles.join(', ') || 'none'}) do not allow ${permission}`,
    );
  }
  return actor;
}

/** The user form of `authorize`, for reads. */
export const requirePermission = (viewer: Viewer | null, permission: Permission): Viewer => authorize(viewer, permission);

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The one rule for a tenant name, for tokens the server verifies and for tokens the CLI mints. */
export const isTenant = (value: string): boolean => TENANT.test(value);
