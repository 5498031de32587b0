// tools { maven 'M3'; jdk 'temurin-17' }: tool installations put on the PATH.
import type { ToolDef } from './types.ts';
import { Ctx, blockOf, fmtList, singleArg, typedEntries, type Section } from './context.ts';

export const TOOL_TYPES = ['allure', 'ant', 'dotnetsdk', 'git', 'go', 'gradle', 'jdk', 'jfrog', 'maven', 'msbuild', 'nodejs', 'terraform'];
/** What people write for a tool type, and the type they mean. */
const ALIASES: Record<string, string> = { mvn: 'maven', java: 'jdk', node: 'nodejs', npm: 'nodejs', golang: 'go', dotnet: 'dotnetsdk' };

export function parseTools(ctx: Ctx, sec: Section): ToolDef[] {
  const out: ToolDef[] = [];
  const body = blockOf(ctx, sec, 'tools');
  const entries = typedEntries(ctx, body, {
    kind: 'tool',
    valid: TOOL_TYPES,
    expected: 'Expected to find \u2018someTool "someVersion"\u2019',
    duplicate: (name) => `Duplicate tool type: "${name}"`,
    unknown: (name) => (Object.hasOwn(ALIASES, name) ? `Invalid tool type "${name}". Valid tool types: ${fmtList(TOOL_TYPES)}. Did you mean "${ALIASES[name]}"?` : null),
  });
  for (const s of entries) {
    // Jenkins takes any value (tools { maven "m-${V}" }); only a literal is known before the run.
    if (!s.call.parens && !s.call.closure && s.call.args.length + s.call.namedArgs.length === 0) {
      // a bare `maven`: a name alone is not a tool entry to Jenkins' parser
      ctx.error('tools', 'Expected to find \u2018someTool "someVersion"\u2019', s.loc);
      continue;
    }
    const e = singleArg(ctx, s, 'tool');
    if (e === null) continue;
    out.push({ type: s.name, name: e.type === 'String' ? e.value : '', nameExpr: e.type === 'String' ? null : e, loc: s.loc });
  }
  if (sec.call.closure && body.length === 0) ctx.error('empty-tools', 'No tools specified', sec.nameLoc);
  return out;
}
