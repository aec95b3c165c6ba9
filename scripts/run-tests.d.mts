// Types of the test runner's scheduling rules (scripts/run-tests.mjs), for its own tests.
import type { Engine } from './engines.mjs';

export type EngineMode = 'shared' | 'exclusive';
export type Needs = Partial<Record<Engine, EngineMode>>;
export function declaredEngines(file: string, source?: string): Needs;
export function compatible(needs: Needs, running: readonly Needs[]): boolean;
/** Whether a compiled test file declares `// @browser` in its leading comment block. */
export function declaresBrowser(file: string, source?: string): boolean;
