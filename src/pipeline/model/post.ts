// post { always { } failure { } ... }: steps that run after the pipeline or a stage, by result.
import { POST_CONDITIONS, type Post, type PostBlock, type PostCondition } from './types.ts';
import { Ctx, blockOf, withSuggestion, fmtList, sectionOf, type Section } from './context.ts';
import { validateSteps } from './steps.ts';

export function parsePost(ctx: Ctx, sec: Section): Post {
  const body = blockOf(ctx, sec, 'post');
  const blocks: PostBlock[] = [];
  const seen = new Set<string>();
  let read = 0; // the entries Jenkins' parser reads as conditions; none makes the section empty
  for (const stmt of body) {
    const s = sectionOf(stmt);
    // `post { echo 'x' }`: only `condition { ... }` entries are read by Jenkins' parser
    if (!s || !s.call.closure && !(POST_CONDITIONS as readonly string[]).includes(s.name)) {
      ctx.error('post', `The \u2018post\u2019 section can only contain build condition names with code blocks. Valid condition names are ${fmtList(POST_CONDITIONS)}`, stmt.loc);
      continue;
    }
    read++;
    if (!(POST_CONDITIONS as readonly string[]).includes(s.name)) {
      const msg = `Invalid condition "${s.name}" - valid conditions are ${fmtList(POST_CONDITIONS)}`;
      ctx.error('post', withSuggestion(msg, s.name, POST_CONDITIONS), s.nameLoc);
      continue;
    }
    if (seen.has(s.name)) {
      ctx.error('post', `Duplicate build condition name: "${s.name}"`, s.nameLoc);
      continue;
    }
    seen.add(s.name);
    const steps = blockOf(ctx, s, s.name);
    // A condition's block is a branch: ModelValidatorImpl refuses one without steps, as an empty steps {}.
    if (s.call.closure && steps.length === 0) ctx.error('empty-steps', 'No steps specified for branch', s.nameLoc);
    validateSteps(ctx, steps, 'post');
    if (s.call.closure) blocks.push({ condition: s.name as PostCondition, steps: [...steps], loc: s.loc });
  }
  if (sec.call.closure && read === 0) ctx.error('empty-post', 'post can not be empty', sec.nameLoc);
  blocks.sort((a, b) => POST_CONDITIONS.indexOf(a.condition) - POST_CONDITIONS.indexOf(b.condition));
  return { blocks, loc: sec.loc };
}
