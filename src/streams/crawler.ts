// The crawler worker: runs the sources of CONNECTORS_FILE on their cron schedules (UTC). Every
// replica may run one; before each run the replica takes the source's lease in the store, and
// renews it while it crawls, so two replicas (or a replica and a CLI crawl) never crawl one source
// at once (the one that loses skips that tick; connectors/lease.ts). Credentials are read from the environment or files when a run starts.
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { CrawlRunRecord } from '../domain/crawls.js';
import type { CrawlDeps } from './connectors/crawl.js';
import { crawlUnderLease } from './connectors/lease.js';
import { type ScheduledSourceSpec, connectorFor } from './connectors/sources.js';
import type { TagRules } from './tag-rules.js';
import type { Worker } from './worker.js';

export interface CrawlerOptions extends CrawlDeps {
  sources: readonly ScheduledSourceSpec[];
  /** The rules a dbt source without its own uses (TAG_RULES_FILE). */
  tagRules?: TagRules | undefined;
  /** How long a lease lasts without renewal; renewed every third of it while a run goes on. */
  leaseMs?: number;
  onRun?: (run: CrawlRunRecord, seconds: number) => void;
}

export function createCrawlerWorker(options: CrawlerOptions): Worker & { runs(): Promise<void> } {
  const { log } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const holder = `crawler-${randomUUID()}`;
  const jobs: Cron[] = [];
  const inFlight = new Set<Promise<void>>();
  let running = false;

  async function tick(spec: ScheduledSourceSpec): Promise<void> {
    let connector;
    try {
      const { tenant: _tenant, schedule: _schedule, ...source } = spec;
      connector = connectorFor(source, { tagRules: options.tagRules });
    } catch (error) {
      log.error({ tenant: spec.tenant, type: spec.type, err: error }, 'scheduled crawl not started: its source is misconfigured');
      return;
    }
    const started = performance.now();
    const run = await crawlUnderLease(options, connector, { tenant: spec.tenant, trigger: 'SCHEDULE' }, { holder, leaseMs });
    if (!run) {
      log.debug({ tenant: spec.tenant, source: connector.source }, 'another replica or a CLI crawl holds this source: skipping this tick');
      return;
    }
    options.onRun?.(run, (performance.now() - started) / 1000);
    log[run.status === 'SUCCEEDED' ? 'info' : 'warn'](
      { tenant: spec.tenant, source: run.source, run: run.id, status: run.status, counts: run.counts, errors: run.errors.slice(0, 5) },
      'scheduled crawl finished',
    );
  }

  return {
    start() {
      running = true;
      for (const spec of options.sources) {
        // `protect`: a tick while this replica still crawls the source is skipped, not stacked.
        const job = new Cron(spec.schedule, { timezone: 'UTC', protect: true }, async () => {
          if (!running) return;
          const work = tick(spec).catch((err: unknown) => log.error({ err, tenant: spec.tenant }, 'scheduled crawl failed'));
          inFlight.add(work);
          await work;
          inFlight.delete(work);
        });
        jobs.push(job);
      }
      log.info({ sources: options.sources.length }, 'crawler scheduled its sources');
      return Promise.resolve();
    },
    async stop() {
      running = false;
      for (const job of jobs.splice(0)) job.stop();
      await Promise.all(inFlight);
    },
    ready: () => running,
    /** Resolves once the runs in flight now have finished (tests). */
    runs: async () => {
      await Promise.all(inFlight);
    },
  };
}
