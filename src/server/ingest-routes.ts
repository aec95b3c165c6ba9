// The HTTP sources: OpenLineage (`POST /api/v1/lineage`, answered like Marquez) and Monte Carlo
// webhooks (`POST /webhooks/monte-carlo/{tenant}`). Both validate first, then hand their events
// to the ingest gateway (Kafka lanes, or in-process in embedded mode).
import express from 'express';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Config } from '../config.js';
import { type Viewer, can } from '../domain/auth.js';
import { textNestingDepth } from '../domain/validation.js';
import { InvalidEventError, type OutgoingEvent } from '../streams/ingest/events.js';
import type { IngestGateway } from '../streams/ingest/gateway.js';
import { MonteCarloPayloadError, monteCarloEvent, verifyMonteCarloSignature } from '../streams/sources/monte-carlo.js';
import { OpenLineageError, TooManyEventsError, createOpenLineageValidator, openLineageEvents } from '../streams/sources/openlineage.js';
import { tagRulesAt } from '../streams/tag-rules.js';

export interface IngestRoutesDeps {
  config: Config;
  verifier: TokenVerifier;
  gateway: IngestGateway;
  log: Logger;
}

type Reply = { status: number; body?: unknown };

const problem = (status: number, code: string, message: string, details?: string[]): Reply => ({
  status,
  body: { error: { code, message, ...(details?.length ? { details } : {}) } },
});

export function ingestRoutes(deps: IngestRoutesDeps): express.Router {
  const router = express.Router();
  const validator = createOpenLineageValidator();
  const tagRules = tagRulesAt(deps.config.ingest.tagRulesFile);
  const raw = express.raw({ type: () => true, limit: deps.config.limits.maxBodyBytes });

  /** A bearer token whose roles allow every permission asked for; a reply otherwise. */
  async function authenticate(header: string | undefined, ...permissions: Parameters<typeof can>[1][]): Promise<Viewer | Reply> {
    if (!header) return problem(401, 'UNAUTHENTICATED', 'Send Authorization: Bearer <JWT> (a token with the ingest role)');
    let viewer: Viewer;
    try {
      viewer = await deps.verifier.verify(header);
    } catch (error) {
      return problem(401, 'UNAUTHENTICATED', error instanceof Error ? error.message : 'Invalid token');
    }
    if (!permissions.every((p) => can(viewer, p)))
      return problem(403, 'FORBIDDEN', `Your roles (${viewer.roles.join(', ') || 'none'}) may not ingest here; the ingest role may`);
    return viewer;
  }

  /** Bodies nested deeper than this are refused before parsing: no source sends them, and rendering one recursively (canonical JSON, Python's repr) would overflow the stack. */
  const MAX_BODY_DEPTH = 64;
  class TooDeepError extends Error {}
  const parse = (body: unknown): unknown => {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
    if (textNestingDepth(text) > MAX_BODY_DEPTH)
      throw new TooDeepError(`The body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels`);
    return JSON.parse(text);
  };
  const notJson = (error: unknown) => problem(400, 'BAD_REQUEST', error instanceof TooDeepError ? error.message : 'The body is not JSON');

  function tooMany(count: string): Reply {
    const max = deps.config.ingest.maxEventsPerRequest;
    return problem(
      422,
      'BAD_USER_INPUT',
      `This request means ${count} ingest events, over the limit of ${max} (INGEST_MAX_EVENTS_PER_REQUEST); nothing was written`,
      [
        `limit: events per request (${max}); an OpenLineage run means one lineage edge per input and output pair: split the run into smaller jobs`,
      ],
    );
  }

  /**
   * Submits what one request means, all or nothing, if it means no more ingest events than the
   * limit: a request that multiplies its input (every input × every output of an OpenLineage run)
   * is refused before anything is written, naming the limit.
   */
  async function submitted(events: OutgoingEvent[], success: number): Promise<Reply> {
    if (events.length > deps.config.ingest.maxEventsPerRequest) return tooMany(String(events.length));
    const submission = await deps.gateway.submit(events);
    if (submission.refused.length > 0) {
      // In-process (embedded) ingestion applies all or nothing: a refusal means nothing was written.
      return problem(422, 'BAD_USER_INPUT', 'The events were refused; nothing was written', [
        ...new Set(submission.refused.map((r) => `${r.code}: ${r.message}`)),
      ]);
    }
    return { status: success };
  }

  function handle(work: (req: express.Request) => Promise<Reply>): express.RequestHandler {
    return (req, res) => {
      work(req).then(
        (reply) => {
          if (reply.body === undefined) res.status(reply.status).end();
          else res.status(reply.status).json(reply.body);
        },
        (error: unknown) => {
          if (error instanceof InvalidEventError) {
            res.status(422).json(problem(422, 'BAD_USER_INPUT', error.message, error.details).body);
            return;
          }
          deps.log.error({ err: error, path: req.path }, 'ingest endpoint failed');
          res.status(503).json(problem(503, 'UNAVAILABLE', 'Could not accept the events now; retry later').body);
        },
      );
    };
  }

  router.post(
    '/api/v1/lineage',
    raw,
    handle(async (req) => {
      const auth = await authenticate(req.headers.authorization, 'asset:write', 'lineage:write');
      if (!('tenant' in auth)) return auth;
      let body: unknown;
      try {
        body = parse(req.body);
      } catch (error) {
        return notJson(error);
      }
      try {
        const event = validator.validate(body);
        return await submitted(openLineageEvents(event, auth.tenant, deps.config.ingest.maxEventsPerRequest, tagRules), 201);
      } catch (error) {
        if (error instanceof TooManyEventsError) return tooMany(`more than ${error.limit}`);
        if (error instanceof OpenLineageError) return problem(422, 'BAD_USER_INPUT', 'Invalid OpenLineage event', error.problems);
        throw error;
      }
    }),
  );

  router.post(
    '/webhooks/monte-carlo/:tenant',
    raw,
    handle(async (req) => {
      const tenant = String(req.params['tenant']);
      const settings = deps.config.monteCarlo[tenant];
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let body: unknown;
      try {
        body = parse(req.body);
      } catch (error) {
        return notJson(error);
      }
      if (settings?.secret) {
        const signature = req.headers['x-mcd-signature'];
        const ok =
          typeof signature === 'string' &&
          body !== null &&
          typeof body === 'object' &&
          !Array.isArray(body) &&
          verifyMonteCarloSignature(rawBody, signature, settings.secret);
        if (!ok) return problem(401, 'UNAUTHENTICATED', 'Missing or wrong x-mcd-signature');
      } else {
        // No shared secret for this tenant: only a caller with a token of this tenant may post.
        const auth = await authenticate(req.headers.authorization, 'incident:write');
        if (!('tenant' in auth)) return auth;
        if (auth.tenant !== tenant) return problem(403, 'FORBIDDEN', 'The token belongs to another tenant');
      }
      try {
        const event = monteCarloEvent(body, rawBody, tenant, settings?.namespace ?? 'montecarlo://');
        return await submitted([event], deps.gateway.mode === 'kafka' ? 202 : 200);
      } catch (error) {
        if (error instanceof MonteCarloPayloadError)
          return problem(422, 'BAD_USER_INPUT', 'Invalid Monte Carlo notification', error.problems);
        throw error;
      }
    }),
  );

  return router;
}
