// `metalake import <file.jsonl>`: publishes a JSON-lines file of events, one CloudEvent per line
// (structured mode: specversion, id, source, type, tenant, data), to the ingest lanes; in embedded
// mode (no KAFKA_BROKERS) they are applied to the local store through the same pipeline.
// A line may omit `tenant` (then --tenant), `id` (then file name + line number, so importing the
// same file twice changes nothing), `source` and `specversion`; it may name its `lane` (`bulk` for
// column lineage, which the event's type alone would put on the core lane).
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { openPipeline } from './pipeline.js';
import type { Lane } from '../streams/ingest/worker.js';
import { INGEST_EVENT_TYPES, type IngestEventType, InvalidEventError, type OutgoingEvent, validate } from '../streams/ingest/events.js';

export interface ImportOptions {
  file: string;
  tenant: string | null;
  batch: number;
  progress: boolean;
}

export interface ImportReport {
  lines: number;
  accepted: number;
  invalid: { line: number; message: string }[];
  refused: { line: number; message: string }[];
}

/** One line as an event to submit (throws InvalidEventError). */
function eventOf(json: unknown, line: number, options: ImportOptions): OutgoingEvent & { lane?: Lane } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidEventError('a line must be a JSON object');
  const o = json as Record<string, unknown>;
  const type = o['type'];
  if (typeof type !== 'string' || !(INGEST_EVENT_TYPES as readonly string[]).includes(type))
    throw new InvalidEventError(`unknown event type ${String(type)}`, [`accepted: ${INGEST_EVENT_TYPES.join(', ')}`]);
  const tenant = typeof o['tenant'] === 'string' ? o['tenant'] : options.tenant;
  if (!tenant) throw new InvalidEventError('no tenant: give the line a `tenant` or pass --tenant');
  const lane = o['lane'];
  if (lane !== undefined && lane !== 'priority' && lane !== 'bulk')
    throw new InvalidEventError(`unknown lane ${JSON.stringify(lane)}`, ['accepted: priority, bulk']);
  return {
    ...(lane === undefined ? {} : { lane }),
    id: typeof o['id'] === 'string' ? o['id'] : `${basename(options.file)}:${line}`,
    tenant,
    source: typeof o['source'] === 'string' ? o['source'] : `import:${basename(options.file)}`,
    type: type as IngestEventType,
    data: o['data'],
    ...(typeof o['time'] === 'string' ? { time: o['time'] } : {}),
  };
}

export async function importFile(config: Config, options: ImportOptions): Promise<ImportReport> {
  const size = statSync(options.file).size;
  const opened = await openPipeline(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'stderr'), {
    store: false,
  });
  const { gateway } = opened;
  const report: ImportReport = { lines: 0, accepted: 0, invalid: [], refused: [] };
  const bar = options.progress
    ? new SingleBar({
        format: 'import |{bar}| {percentage}% | {lines} lines | {accepted} accepted | {rejected} rejected | {eta_formatted} left',
        stream: process.stderr,
        hideCursor: true,
      })
    : null;
  bar?.start(size, 0, { lines: 0, accepted: 0, rejected: 0 });
  let batch: { line: number; event: OutgoingEvent & { lane?: Lane } }[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const lines = new Map(batch.map((b) => [b.event.id, b.line]));
    const submission = await gateway.submit(batch.map((b) => b.event));
    report.accepted += submission.accepted;
    for (const r of submission.refused) report.refused.push({ line: lines.get(r.id) ?? 0, message: `${r.code}: ${r.message}` });
    batch = [];
  };
  try {
    const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity });
    for await (const text of lines) {
      report.lines++;
      bytes += Buffer.byteLength(text) + 1;
      if (text.trim().length === 0) continue;
      try {
        const event = eventOf(JSON.parse(text), report.lines, options);
        const { lane: _lane, ...attributes } = event;
        validate(attributes);
        batch.push({ line: report.lines, event });
      } catch (error) {
        report.invalid.push({
          line: report.lines,
          message: error instanceof SyntaxError ? `not JSON: ${error.message}` : error instanceof Error ? error.message : String(error),
        });
      }
      if (batch.length >= options.batch) await flush();
      bar?.update(Math.min(bytes, size), {
        lines: report.lines,
        accepted: report.accepted,
        rejected: report.invalid.length + report.refused.length,
      });
    }
    await flush();
    bar?.update(size, { lines: report.lines, accepted: report.accepted, rejected: report.invalid.length + report.refused.length });
  } finally {
    bar?.stop();
    await opened.close();
  }
  return report;
}
