// Types of the engines harness (scripts/engines.mjs), for the TypeScript benchmarks and tests.
export type Engine = 'neo4j' | 'kafka' | 'elasticsearch' | 'postgres';
export const ENDPOINT_VARS: Readonly<Record<Engine, string>>;
export const ENGINES: readonly Engine[];
export function missingTools(): string[];
export function alive(pid: number): boolean;
export function up(names?: readonly Engine[]): Promise<{ env: Record<string, string>; started: Engine[] }>;
export function down(names?: readonly Engine[]): Promise<void>;
export function signalEngine(name: Engine, signal: NodeJS.Signals): void;
export function restartKafka(): Promise<string>;
