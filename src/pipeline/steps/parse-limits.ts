// Size limits for the steps that parse data on the controller (readJSON, readYaml): parsing
// runs on the controller's thread, so a pipeline must not make it parse hundreds of megabytes
// (or expand a YAML alias bomb) while every other build waits. The file's size is checked
// before it is read; text given inline is checked the same way.
//
// readYaml's limits are Jenkins' own defaults (pipeline-utility-steps on SnakeYAML: 3 MB of
// input, 50 aliases); readJSON has none in Jenkins, so Kiln's is generous (32 MB), where
// parsing and converting still take well under a second.
import type { StepContext } from './types.ts';
import { StepFailure } from '../../core/errors.ts';

export const MAX_JSON_CHARS = 32 * 1024 * 1024;
export const MAX_YAML_CHARS = 3 * 1024 * 1024;
export const MAX_YAML_ALIASES = 50;

function mb(n: number): string {
  return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
}

function tooLarge(step: string, what: string, size: number, limit: number, hint: string): StepFailure {
  return new StepFailure(`${step}: ${what} is too large to parse on the controller: ${mb(size)} (the limit is ${mb(limit)}); ${hint}`);
}

/** Reads `file` of the workspace for a parsing step, refusing one larger than `limit` characters before reading it. */
export async function readLimited(ctx: StepContext, step: string, file: string, limit: number, hint: string): Promise<string> {
  const ws = ctx.workspace();
  const p = ctx.resolvePath(file);
  const st = await ws.stat(p);
  if (st && st.size > limit) throw tooLarge(step, file, st.size, limit, hint);
  const text = (await ws.readFile(p)).toString('utf8');
  if (text.length > limit) throw tooLarge(step, file, text.length, limit, hint);
  return text;
}

/** Refuses inline text larger than `limit` characters. */
export function checkText(step: string, text: string, limit: number, hint: string): string {
  if (text.length > limit) throw tooLarge(step, 'the text', text.length, limit, hint);
  return text;
}
