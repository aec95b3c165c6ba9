// Bearer token verification with jose: algorithm allow-list, issuer, audience, expiry; a shared
// secret for development, a JWKS URL (Keycloak, Auth0, …) in production.
//
// A client sends the same token with every request for its whole life, and checking its signature
// (WebCrypto, asynchronous) cost more main-thread time than answering a simple query. A verified
// token's viewer is therefore kept, by the token's hash, until the token expires or for a minute
// (never longer than the key set's own cache), in a bounded map; a refused token is never kept.
import { createHash } from 'node:crypto';
import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { Config } from '../config.js';
import { type Role, type Viewer, isRole, isTenant } from '../domain/auth.js';
import { DomainError } from '../domain/errors.js';

export interface TokenVerifier {
  /** Verifies `Bearer <jwt>` (or a bare token); throws UNAUTHENTICATED. */
  verify(authorization: string): Promise<Viewer>;
}

/** Verified tokens kept at most (oldest out first), and for how long at most. */
const VERIFIED_MAX = 10_000;
const VERIFIED_TTL_MS = 60_000;

export function createVerifier(jwt: Config['jwt']): TokenVerifier {
  const verified = new Map<string, { viewer: Viewer; until: number }>();
  const ttl = Math.min(VERIFIED_TTL_MS, jwt.jwksCacheSeconds * 1000);
  const key: Uint8Array | JWTVerifyGetKey = jwt.jwksUrl
    ? createRemoteJWKSet(new URL(jwt.jwksUrl), {
        cooldownDuration: jwt.jwksCooldownSeconds * 1000,
        cacheMaxAge: jwt.jwksCacheSeconds * 1000,
        timeoutDuration: 5000,
      })
    : new TextEncoder().encode(jwt.secret ?? '');
  const options = {
    algorithms: jwt.algorithms,
    clockTolerance: jwt.clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  };
  return {
    async verify(authorization) {
      const token = authorization.replace(/^Bearer\s+/i, '').trim();
      if (token.length === 0 || token.length > 16_384) throw unauthenticated('Malformed bearer token');
      const hash = createHash('sha256').update(token).digest('base64url');
      const known = verified.get(hash);
      if (known && Date.now() < known.until) return known.viewer;
      if (known) verified.delete(hash);
      const viewer = await check(token);
      // Kept while jose would still accept it: up to its expiry plus the clock tolerance.
      const until = Math.min(Date.now() + ttl, ((viewer.expiresAt ?? 0) + jwt.clockToleranceSeconds) * 1000);
      if (until > Date.now()) {
        if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
        verified.set(hash, { viewer, until });
      }
      return viewer;
    },
  };

  async function check(token: string): Promise<Viewer> {
    let payload: JWTPayload;
    try {
      // Two calls because jwtVerify has one overload for a key and one for a key-set getter.
      payload = typeof key === 'function' ? (await jwtVerify(token, key, options)).payload : (await jwtVerify(token, key, options)).payload;
    } catch (error) {
      throw unauthenticated(describe(error));
    }
    // jose checks iat only together with a maximum age; a token minted in the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + jwt.clockToleranceSeconds)
      throw unauthenticated('Token claim "iat" is in the future');
    const tenant = tenantOf(claim(payload, jwt.tenantClaim));
    if (tenant === null) throw unauthenticated(`Token has no usable tenant in claim "${jwt.tenantClaim}"`);
    return { subject: String(payload.sub), tenant, roles: rolesOf(claim(payload, jwt.rolesClaim)), expiresAt: payload.exp ?? null };
  }
}

const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'Token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `Token claim "${error.claim}" is not acceptable (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token algorithm is not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'No key matches the token';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Token signature is invalid';
  if (error instanceof errors.JWKSTimeout) return 'Key set could not be fetched in time';
  return 'Invalid token';
}

/** Reads a claim by dotted path, e.g. `realm_access.roles`. */
function claim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function tenantOf(value: unknown): string | null {
  // A string, a one-element array (some IdPs), or an object with one key (Keycloak organizations).
  const candidate: unknown =
    Array.isArray(value) && value.length === 1
      ? (value as unknown[])[0]
      : value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1
        ? Object.keys(value)[0]
        : value;
  return typeof candidate === 'string' && isTenant(candidate) ? candidate : null;
}

function rolesOf(value: unknown): Role[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  // Identity providers add roles of their own (offline_access, …): keep only metalake's.
  return [
    ...new Set(
      list
        .filter((r): r is string => typeof r === 'string')
        .map((r) => r.toLowerCase())
        .filter(isRole),
    ),
  ];
}
