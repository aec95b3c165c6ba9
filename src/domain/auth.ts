// Who is calling, and what each role may do. Roles come from a verified JWT.
import { DomainError } from './errors.js';

export const ROLES = ['viewer', 'editor', 'steward', 'ingest', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'graph:read'
  | 'asset:write'
  | 'lineage:write'
  | 'classification:write'
  | 'incident:write';

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['graph:read'],
  editor: ['graph:read', 'asset:write', 'lineage:write', 'incident:write'],
  steward: ['graph:read', 'asset:write', 'lineage:write', 'incident:write', 'classification:write'],
  ingest: ['asset:write', 'lineage:write', 'incident:write'],
  admin: ['graph:read', 'asset:write', 'lineage:write', 'incident:write', 'classification:write'],
};

export interface Viewer {
  subject: string;
  tenant: string;
  roles: Role[];
  /** Token expiry, seconds since the epoch, when the token has one. */
  expiresAt: number | null;
}

export function can(viewer: Viewer | null, permission: Permission): boolean {
  return viewer !== null && viewer.roles.some((role) => GRANTS[role].includes(permission));
}

/** The gate every service calls first; graphql-shield is only the outer one. */
export function requirePermission(viewer: Viewer | null, permission: Permission): Viewer {
  if (viewer === null) throw new DomainError('UNAUTHENTICATED', 'Authentication required: send a bearer token');
  if (!can(viewer, permission)) {
    throw new DomainError('FORBIDDEN', `Your roles (${viewer.roles.join(', ') || 'none'}) do not allow ${permission}`);
  }
  return viewer;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The one rule for a tenant name, for tokens the server verifies and for tokens the CLI mints. */
export const isTenant = (value: string): boolean => TENANT.test(value);
