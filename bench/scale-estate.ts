// The estate `bench:scale` loads, of any size, as a JSON-lines file of ingest events (the format
// `metalake import` reads): 10 warehouses × 10 schema layers × T tables with 20 columns each
// (metalake.asset.upserted.v2, columns inline), each table of a layer fed by two tables of the layer
// above and each column by its namesake (lineage.added.v1), plus a propagation fan-out of a tenth of
// the estate (root → √F tables → the rest) in its own warehouse. Tables come before their columns'
// lineage, parents before children, as a crawler emits them.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const SCALE_DBS = 10,
  SCALE_LAYERS = 10,
  SCALE_COLUMNS = 20;

/**
 * How columns arrive: `inline` in their table's event (one event, the core lane), or `events`, one
 * `metalake.asset.upserted.v1` per column after its table (the bulk lane) with the column lineage
 * on the bulk lane too: the 80/20 shape, tables first and columns trailing.
 */
export type ColumnMode = 'inline' | 'events';

export interface ScaleShape {
  columns: ColumnMode;
  /** Assets in all (databases, schemas, tables, columns, the fan-out). */
  assets: number;
  tablesPerSchema: number;
  /** Tables downstream of the fan-out's root. */
  fanout: number;
  /** Tables in the fan-out's middle tier. */
  fanoutMiddle: number;
  edges: number;
  events: number;
}

export const scaleTable = (d: number, s: number, t: number): string => `snowflake://scale/db${d}.s${s}.t${t}`;
export const scaleColumn = (d: number, s: number, t: number, c: number): string => `${scaleTable(d, s, t)}.c${c}`;
export const fanTable = (i: number): string => `snowflake://scale/prop.fan.t${i}`;

/** The shape for an estate of about `assets` assets: 90 % in the layered warehouses, 10 % in the fan-out. */
export function scaleShape(assets: number, columns: ColumnMode = 'inline'): ScaleShape {
  const containers = SCALE_DBS * (1 + SCALE_LAYERS) + 2;
  const tablesPerSchema = Math.max(2, Math.round((assets * 0.9 - containers) / (SCALE_DBS * SCALE_LAYERS * (1 + SCALE_COLUMNS))));
  const fanout = Math.max(10, Math.round(assets / 10));
  const fanoutMiddle = Math.round(Math.sqrt(fanout));
  const tables = SCALE_DBS * SCALE_LAYERS * tablesPerSchema;
  const fed = SCALE_DBS * (SCALE_LAYERS - 1) * tablesPerSchema;
  const edges = fed * (2 + SCALE_COLUMNS) + fanout;
  return {
    columns,
    assets: containers + tables * (1 + SCALE_COLUMNS) + fanout + 1,
    tablesPerSchema,
    fanout,
    fanoutMiddle,
    edges,
    events: SCALE_DBS * (1 + SCALE_LAYERS) + 2 + tables * (columns === 'events' ? 1 + SCALE_COLUMNS : 1) + fanout + 1 + edges,
  };
}

/** The other table of the layer above that feeds table t (never t itself: that edge is already there). */
const secondFeed = (t: number, T: number) => ((t * 7 + 3) % T === t ? (t + 1) % T : (t * 7 + 3) % T);

interface Line {
  id: string;
  type: string;
  data: Record<string, unknown>;
  lane?: 'bulk';
}

/** Every event of the estate, in load order (ids are stable, so importing a file twice changes nothing). */
export function* scaleEvents(shape: ScaleShape): Generator<Line> {
  let n = 0;
  const id = () => `scale-${++n}`;
  const asset = (data: Record<string, unknown>): Line => ({ id: id(), type: 'metalake.asset.upserted.v2', data });
  const edge = (from: string, to: string, lane?: 'bulk'): Line => ({
    id: id(),
    type: 'metalake.lineage.added.v1',
    data: { from, to },
    ...(lane ? { lane } : {}),
  });
  const inline = shape.columns === 'inline';
  const columnLane = inline ? undefined : 'bulk';
  const T = shape.tablesPerSchema;
  const columns = Array.from({ length: SCALE_COLUMNS }, (_, c) => ({
    name: `c${c}`,
    dataType: c === 0 ? 'NUMBER' : c % 5 === 1 ? 'TIMESTAMP_NTZ' : 'VARCHAR',
    ...(c % 4 === 0 ? { description: `Measure ${c} of the model` } : {}),
  }));
  for (let d = 0; d < SCALE_DBS; d++) {
    const db = `snowflake://scale/db${d}`;
    yield asset({ qualifiedName: db, kind: 'DATABASE' });
    for (let s = 0; s < SCALE_LAYERS; s++) {
      yield asset({ qualifiedName: `${db}.s${s}`, kind: 'SCHEMA', parent: { qualifiedName: db } });
      for (let t = 0; t < T; t++) {
        yield asset({
          qualifiedName: scaleTable(d, s, t),
          kind: 'TABLE',
          description: `Layer ${s} model ${t} of warehouse ${d}`,
          owners: [{ id: `team${t % 7}@scale.io`, type: 'GROUP' }],
          attributes: { rows: t * 1000 },
          parent: { qualifiedName: `${db}.s${s}` },
          ...(inline ? { columns } : {}),
        });
        if (!inline)
          for (const [i, c] of columns.entries())
            yield {
              id: id(),
              type: 'metalake.asset.upserted.v1',
              data: {
                qualifiedName: `${scaleTable(d, s, t)}.${c.name}`,
                kind: 'COLUMN',
                name: c.name,
                ...(c.description ? { description: c.description } : {}),
                attributes: { dataType: c.dataType, ordinal: i + 1 },
                parentQualifiedName: scaleTable(d, s, t),
              },
            };
      }
    }
    for (let s = 1; s < SCALE_LAYERS; s++)
      for (let t = 0; t < T; t++) {
        yield edge(scaleTable(d, s - 1, t), scaleTable(d, s, t));
        yield edge(scaleTable(d, s - 1, secondFeed(t, T)), scaleTable(d, s, t));
        for (let c = 0; c < SCALE_COLUMNS; c++) yield edge(scaleColumn(d, s - 1, t, c), scaleColumn(d, s, t, c), columnLane);
      }
  }
  yield asset({ qualifiedName: 'snowflake://scale/prop', kind: 'DATABASE' });
  yield asset({ qualifiedName: 'snowflake://scale/prop.fan', kind: 'SCHEMA', parent: { qualifiedName: 'snowflake://scale/prop' } });
  for (let i = 0; i <= shape.fanout; i++)
    yield asset({ qualifiedName: fanTable(i), kind: 'TABLE', parent: { qualifiedName: 'snowflake://scale/prop.fan' } });
  const M = shape.fanoutMiddle;
  for (let m = 1; m <= M; m++) yield edge(fanTable(0), fanTable(m));
  for (let i = M + 1; i <= shape.fanout; i++) yield edge(fanTable(1 + ((i - M - 1) % M)), fanTable(i));
}

/** Writes the estate's events to `file`; returns the number of lines and bytes. */
export async function writeScaleEstate(file: string, shape: ScaleShape): Promise<{ lines: number; bytes: number }> {
  const out = createWriteStream(file);
  let lines = 0,
    bytes = 0;
  for (const line of scaleEvents(shape)) {
    const text = `${JSON.stringify(line)}\n`;
    lines++;
    bytes += text.length;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { lines, bytes };
}
