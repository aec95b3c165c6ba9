// Development tokens (HS256 with the configured secret), for the `token` command and the demo.
import { SignJWT } from 'jose';
import type { Config } from '../config.js';
import type { Role } from '../domain/auth.js';

export interface TokenRequest {
  tenant: string;
  roles: readonly Role[];
  subject?: string;
  ttlSeconds?: number;
}

export async function mintDevToken(jwt: Config['jwt'], request: TokenRequest): Promise<string> {
  if (!jwt.secret)
    throw new Error('Minting tokens needs JWT_SECRET (or the development secret); with JWT_JWKS_URL, ask your identity provider');
  const claims: Record<string, unknown> = {};
  setPath(claims, jwt.tenantClaim, request.tenant);
  setPath(claims, jwt.rolesClaim, [...request.roles]);
  let token = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.subject ?? `dev:${request.roles.join('+')}@${request.tenant}`)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.ttlSeconds ?? 12 * 3600));
  if (jwt.issuer) token = token.setIssuer(jwt.issuer);
  if (jwt.audience) token = token.setAudience(jwt.audience);
  return token.sign(new TextEncoder().encode(jwt.secret));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node = (node[part] ??= {}) as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}
