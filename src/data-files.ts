// Configuration documents (transform rules, tag rules, connectors): YAML, or JSON by extension.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** The file's contents as data; throws the reader's or the parser's error for the caller to name. */
export function readDataFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}
