// One context factory for HTTP requests and websocket operations: verified viewer, tenant,
// request id, child logger and fresh dataloaders (never shared between requests or tenants).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { bindRequestLog } from '../logger.js';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Viewer } from '../domain/auth.js';
import type { AssetRecord } from '../domain/model.js';
import { DomainError } from '../domain/errors.js';
import type { Services } from '../services/index.js';
import type { Loaders } from '../services/loaders.js';

export interface GraphQLContext {
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  services: Services;
  loaders: Loaders | null;
}

export interface ContextInput {
  /** The Authorization header (HTTP) or connectionParams.authorization (websocket). */
  authorization: string | null | undefined;
  requestId?: string | undefined;
  transport: 'http' | 'ws';
}

export type ContextFactory = (input: ContextInput) => Promise<GraphQLContext>;

export function createContextFactory(deps: { verifier: TokenVerifier; services: Services; log: Logger }): ContextFactory {
  return async ({ authorization, requestId, transport }) => {
    const viewer = authorization ? await deps.verifier.verify(authorization) : null;
    const id = requestId && /^[\w.:-]{1,128}$/.test(requestId) ? requestId : randomUUID();
    const log = deps.log.child({ requestId: id, transport, tenant: viewer?.tenant, subject: viewer?.subject });
    // Over HTTP the request runs in a scope (server/http.ts): the services' lines carry these fields too.
    bindRequestLog(log);
    return {
      viewer,
      requestId: id,
      log,
      services: deps.services,
      loaders: deps.services.loaders(viewer),
    };
  };
}

/** The request's loaders; object fields are reachable only below an authorized root field. */
export function loadersOf(ctx: GraphQLContext): Loaders {
  if (!ctx.loaders) throw new DomainError('UNAUTHENTICATED', 'Authentication required: send a bearer token');
  return ctx.loaders;
}

/** Loads many assets, skipping those that no longer exist (deleted since they were referenced). */
export async function loadPresent(ctx: GraphQLContext, ids: readonly string[]): Promise<AssetRecord[]> {
  return (await loadersOf(ctx).asset.loadMany(ids)).filter((a): a is AssetRecord => a !== null && !(a instanceof Error));
}
