// The throttle step's runtime (declared in index.ts), as ThrottleStepExecution does it: the
// categories checked first (a duplicate printed and ignored, "One or more duplicate categories
// (a) specified. Duplicates will be ignored."; an unknown one fails the step, "One or more
// specified categories do not exist: x"), then the body run with a node gate that takes a slot of
// each category (in name order, so two builds never hold one each of the other's) before a node
// block asks for its node. A block that must wait prints Jenkins' node lines:
//   Still waiting to schedule task
//   Already running 2 builds across all nodes
// and gives the node allocation a claim (core/nodes.ts) that skips a node already running its
// category's maxConcurrentPerNode throttled blocks ("Already running 1 builds on node").
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isList } from '../../pipeline/script/values.ts';

const throttle: StepRun = async (ctx, args) => {
  const given = args.values.categories;
  if (!isList(given) || given.some((c) => typeof c !== 'string')) throw new StepFailure("throttle: categories must be a list of category names: throttle(['db-tests']) { ... }");
  const names = given as string[];
  const unique: string[] = [];
  const duplicates = new Set<string>();
  for (const c of names) if (unique.includes(c)) duplicates.add(c); else unique.push(c);
  if (duplicates.size > 0) ctx.log(`One or more duplicate categories (${[...duplicates].join(', ')}) specified. Duplicates will be ignored.`);
  const service = ctx.build.services.throttle;
  const known = new Set((service ? await service.categories() : []).map((c) => c.name));
  const undefinedOnes = names.filter((c) => !known.has(c));
  if (undefinedOnes.length > 0) throw new StepFailure(`One or more specified categories do not exist: ${undefinedOnes.join(', ')}`);
  const owner = `${ctx.build.jobName}#${ctx.build.number}`;
  const ordered = [...unique].sort();
  return ctx.runBody(args.body!, {
    nodeGate: async (signal, say) => {
      const held: (() => void)[] = [];
      let told = false;
      try {
        for (const c of ordered) {
          held.push(await service!.acquire(c, owner, signal, (why) => {
            if (!told) say('Still waiting to schedule task');
            told = true;
            say(why);
          }));
        }
        // the categories' per-node maxima (the limits now), checked as the node is picked
        const claim = await service!.nodeClaim(ordered);
        return { release: () => { for (const r of held.splice(0).reverse()) r(); }, claim };
      } catch (err) {
        for (const r of held.reverse()) r();
        throw err;
      }
    },
  });
};

const runtime: PluginRuntime = { steps: { throttle } };
export default runtime;
