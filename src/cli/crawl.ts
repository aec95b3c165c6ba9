// `metalake crawl <connector> …`: one crawl run of a source, applied to the embedded store in
// DATA_DIR or published to the Kafka lanes (src/cli/pipeline.ts), recorded as a crawl run. Exit
// status 0 only for a run that SUCCEEDED.
import { MultiBar, Presets } from 'cli-progress';
import type { Config } from '../config.js';
import type { CrawlRunRecord } from '../domain/crawls.js';
import { createLogger } from '../logger.js';
import { randomUUID } from 'node:crypto';
import { type Connector } from '../streams/connectors/crawl.js';
import { crawlUnderLease } from '../streams/connectors/lease.js';
import { openPipeline } from './pipeline.js';

export interface CrawlCliOptions {
  tenant: string;
  progress: boolean;
}

export async function crawlFromCli(config: Config, connector: Connector, options: CrawlCliOptions): Promise<CrawlRunRecord> {
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'stderr');
  const pipeline = await openPipeline(config, log, { store: true });
  const bars = options.progress
    ? new MultiBar(
        {
          format: `crawl ${connector.type} {phase} |{bar}| {value}/{total}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
        },
        Presets.shades_classic,
      )
    : null;
  const phases = new Map<string, ReturnType<MultiBar['create']>>();
  try {
    const run = await crawlUnderLease(
      { store: pipeline.store!, gateway: pipeline.gateway, transforms: pipeline.transforms, limits: config.limits, log },
      connector,
      {
        tenant: options.tenant,
        trigger: 'CLI',
        onProgress: ({ phase, done, total }) => {
          if (!bars) return;
          const bar = phases.get(phase) ?? phases.set(phase, bars.create(total, 0, { phase: phase.padEnd(7) })).get(phase)!;
          bar.setTotal(total);
          bar.update(done);
        },
      },
      { holder: `cli-${randomUUID()}`, leaseMs: 60_000 },
    );
    if (!run)
      throw new Error(
        `SOURCE_BUSY: another crawl of source ${connector.source} in tenant ${options.tenant} is running (a crawler replica's or another CLI's); nothing was done, try again once it ends`,
      );
    return run;
  } finally {
    bars?.stop();
    await pipeline.close();
  }
}
