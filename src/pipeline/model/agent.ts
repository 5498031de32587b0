// agent: where a pipeline or stage runs.
//   agent any | agent none
//   agent { label 'x' }                      agent { node { label 'x'; customWorkspace 'ws' } }
//   agent { docker 'img' }                   agent { docker { image 'img'; args '-v x:y'; reuseNode true } }
//   agent { dockerfile true }                agent { dockerfile { filename 'Dockerfile.ci'; dir 'ci' } }
//   agent { kubernetes { yaml '''...'''; defaultContainer 'maven' } }
import type { Expr } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import type { AgentSpec, DockerAgent, DockerfileAgent, KubernetesAgent } from './types.ts';
import { Ctx, boolArg, didYouMean, withSuggestion, fmtList, intArg, sectionOf, singleArg, sourceText, staticValue, type Section } from './context.ts';
import { checkGroovy } from './steps.ts';
import { checkPodYaml } from './pod-yaml.ts';

export const AGENT_TYPES = ['any', 'docker', 'dockerfile', 'kubernetes', 'label', 'node', 'none'] as const;

const NODE_OPTIONS = ['label', 'customWorkspace'];
const DOCKER_OPTIONS = ['image', 'args', 'label', 'reuseNode', 'registryUrl', 'registryCredentialsId', 'alwaysPull', 'customWorkspace'];
const DOCKERFILE_OPTIONS = ['filename', 'dir', 'additionalBuildArgs', 'args', 'label', 'reuseNode', 'registryUrl', 'registryCredentialsId', 'customWorkspace'];
const KUBERNETES_OPTIONS = [
  'yaml', 'yamlFile', 'yamlMergeStrategy', 'defaultContainer', 'inheritFrom', 'cloud', 'namespace', 'label', 'podRetention',
  'idleMinutes', 'activeDeadlineSeconds', 'instanceCap', 'slaveConnectTimeout', 'serviceAccount', 'nodeSelector',
  'workingDir', 'customWorkspace', 'showRawYaml',
];
const RETENTIONS = ['never', 'onFailure', 'always', 'default'] as const;
const MERGE_STRATEGIES = ['override', 'merge'] as const;

const invalidForm = 'Only "agent none", "agent any" or "agent {...}" are allowed.';

/** Reads an `agent` directive; null when it is unusable (errors reported). */
export function parseAgent(ctx: Ctx, sec: Section): AgentSpec | null {
  const c = sec.call;
  const nargs = c.args.length + c.namedArgs.length;
  if (!c.closure) {
    if (nargs === 0) {
      ctx.error('agent', `No agent type specified. Must be one of ${fmtList(AGENT_TYPES)}`, sec.nameLoc);
      return null;
    }
    const a = c.args[0];
    if (nargs === 1 && a && a.type === 'Ident' && (a.name === 'any' || a.name === 'none')) return { type: a.name, loc: sec.loc };
    if (nargs === 1 && a && a.type === 'Ident') {
      ctx.error('agent', withSuggestion(`Invalid agent type "${a.name}" specified. Must be one of ${fmtList(AGENT_TYPES)}`, a.name, AGENT_TYPES), a.loc);
      return null;
    }
    if (nargs === 1 && a && (a.type === 'String' || a.type === 'GString')) {
      ctx.error('agent', `${invalidForm} For a label, write agent { label ${sourceText(ctx, a.loc) ?? "'...'"} }`, a.loc);
      return null;
    }
    ctx.error('agent', invalidForm, (c.args[0] ?? c.namedArgs[0]!).loc);
    return null;
  }
  if (nargs > 0) {
    ctx.error('agent', invalidForm, (c.args[0] ?? c.namedArgs[0]!).loc);
    return null;
  }
  let spec: AgentSpec | null = null;
  let seen = false;
  for (const stmt of c.closure.body) {
    const s = sectionOf(stmt);
    if (!s) {
      ctx.error('agent', 'Expected an agent', stmt.loc);
      continue;
    }
    if (seen) {
      ctx.error('agent', 'Only one agent type is allowed per agent section', s.nameLoc);
      continue;
    }
    seen = true;
    spec = agentType(ctx, s, sec.loc);
  }
  if (!seen) ctx.error('agent', `No agent type specified. Must be one of ${fmtList(AGENT_TYPES)}`, sec.nameLoc);
  return spec;
}

function agentType(ctx: Ctx, s: Section, loc: Loc): AgentSpec | null {
  switch (s.name) {
    case 'any':
    case 'none':
      if (s.call.args.length + s.call.namedArgs.length > 0 || s.call.closure) ctx.error('agent', `Agent type "${s.name}" takes no arguments`, s.nameLoc);
      return { type: s.name, loc };
    case 'label': {
      if (s.call.closure) {
        const o = blockOptions(ctx, s, NODE_OPTIONS, ['label']);
        if (!o) return null;
        return { type: 'node', label: o.expr('label'), customWorkspace: o.expr('customWorkspace'), loc };
      }
      const e = valueArg(ctx, s, 'agent key');
      return e ? { type: 'label', label: e, loc } : null;
    }
    case 'node': {
      if (!s.call.closure) {
        const e = valueArg(ctx, s, 'agent key');
        return e ? { type: 'node', label: e, customWorkspace: null, loc } : null;
      }
      const o = blockOptions(ctx, s, NODE_OPTIONS, ['label']);
      if (!o) return null;
      return { type: 'node', label: o.expr('label'), customWorkspace: o.expr('customWorkspace'), loc };
    }
    case 'docker': {
      if (!s.call.closure) {
        const image = valueArg(ctx, s, 'agent key');
        if (!image) return null;
        return {
          type: 'docker', image, args: null, label: null, customWorkspace: null, reuseNode: false, registryUrl: null,
          registryCredentialsId: null, alwaysPull: false, loc,
        } satisfies DockerAgent;
      }
      const o = blockOptions(ctx, s, DOCKER_OPTIONS, ['image']);
      if (!o) return null;
      const image = o.expr('image');
      if (!image) return null;
      return {
        type: 'docker', image, args: o.expr('args'), label: o.expr('label'), customWorkspace: o.expr('customWorkspace'),
        reuseNode: o.bool('reuseNode') ?? false, registryUrl: o.expr('registryUrl'), registryCredentialsId: o.expr('registryCredentialsId'),
        alwaysPull: o.bool('alwaysPull') ?? false, loc,
      } satisfies DockerAgent;
    }
    case 'dockerfile': {
      const empty: DockerfileAgent = {
        type: 'dockerfile', filename: null, dir: null, additionalBuildArgs: null, args: null, label: null, customWorkspace: null,
        reuseNode: false, registryUrl: null, registryCredentialsId: null, loc,
      };
      if (!s.call.closure) {
        const b = boolArg(ctx, s, 'agent key');
        if (b === null) return null;
        if (!b) {
          ctx.error('agent', 'Use "dockerfile true" or "dockerfile { ... }"; "dockerfile false" builds nothing', s.call.args[0]?.loc ?? s.nameLoc);
          return null;
        }
        return empty;
      }
      const o = blockOptions(ctx, s, DOCKERFILE_OPTIONS, []);
      if (!o) return null;
      const filename = o.expr('filename');
      if (filename && filename.type === 'String' && /[/\\]/.test(filename.value)) {
        ctx.error('agent', 'Dockerfile filename cannot contain directory separators.', filename.loc);
      }
      return {
        ...empty, filename, dir: o.expr('dir'), additionalBuildArgs: o.expr('additionalBuildArgs'), args: o.expr('args'),
        label: o.expr('label'), customWorkspace: o.expr('customWorkspace'), reuseNode: o.bool('reuseNode') ?? false,
        registryUrl: o.expr('registryUrl'), registryCredentialsId: o.expr('registryCredentialsId'),
      };
    }
    case 'kubernetes':
      return kubernetes(ctx, s, loc);
    default:
      ctx.error('agent', withSuggestion(`Invalid agent type "${s.name}" specified. Must be one of ${fmtList(AGENT_TYPES)}`, s.name, AGENT_TYPES), s.nameLoc);
      return null;
  }
}

function kubernetes(ctx: Ctx, s: Section, loc: Loc): KubernetesAgent | null {
  if (!s.call.closure) {
    ctx.error('agent', 'The kubernetes agent needs a block: kubernetes { yaml \'\'\'...\'\'\' }', s.nameLoc);
    return null;
  }
  const o = blockOptions(ctx, s, KUBERNETES_OPTIONS, []);
  if (!o) return null;
  const yaml = o.expr('yaml');
  const yamlFile = o.expr('yamlFile');
  if (yaml && yamlFile) {
    const later = o.sections.get('yaml')!.nameLoc.start.offset > o.sections.get('yamlFile')!.nameLoc.start.offset ? 'yaml' : 'yamlFile';
    ctx.error('agent', 'Only one of "yaml" and "yamlFile" can be given for agent type "kubernetes"', o.sections.get(later)!.nameLoc);
  }
  const spec: KubernetesAgent = {
    type: 'kubernetes', yaml, yamlFile,
    yamlMergeStrategy: o.symbol('yamlMergeStrategy', MERGE_STRATEGIES),
    defaultContainer: o.expr('defaultContainer'), inheritFrom: o.expr('inheritFrom'), cloud: o.expr('cloud'),
    namespace: o.expr('namespace'), label: o.expr('label'),
    podRetention: o.symbol('podRetention', RETENTIONS),
    idleMinutes: o.int('idleMinutes'), activeDeadlineSeconds: o.int('activeDeadlineSeconds'), instanceCap: o.int('instanceCap'),
    slaveConnectTimeout: o.int('slaveConnectTimeout'), serviceAccount: o.expr('serviceAccount'), nodeSelector: o.expr('nodeSelector'),
    workingDir: o.expr('workingDir'), customWorkspace: o.expr('customWorkspace'), showRawYaml: o.bool('showRawYaml'), loc,
  };
  if (yaml && yaml.type === 'String') {
    const containers = checkPodYaml(ctx, yaml);
    if (containers && !spec.inheritFrom) {
      ctx.podContainers.set(spec, containers);
      const dc = spec.defaultContainer;
      if (dc && dc.type === 'String' && !containers.includes(dc.value)) {
        ctx.error('agent', `defaultContainer "${dc.value}" is not a container of the pod${didYouMean(dc.value, containers)} (containers: ${containers.join(', ')})`, dc.loc);
      }
    }
  }
  return spec;
}

/** A one-value key whose value is evaluated at run time (`label 'x'`, `image "maven:${V}"`). */
function valueArg(ctx: Ctx, s: Section, kind: string): Expr | null {
  const e = singleArg(ctx, s, kind);
  if (!e) return null;
  if (e.type === 'Closure') {
    ctx.error('agent', `Expected a value for "${s.name}", not a block`, e.loc);
    return null;
  }
  checkGroovy(ctx, [e]);
  return e;
}

interface BlockOptions {
  sections: Map<string, Section>;
  expr(name: string): Expr | null;
  bool(name: string): boolean | null;
  int(name: string): number | null;
  symbol<T extends string>(name: string, allowed: readonly T[]): T | null;
}

/** Reads `type { key value; ... }`, reporting unknown, repeated and missing keys. */
function blockOptions(ctx: Ctx, s: Section, allowed: readonly string[], required: readonly string[]): BlockOptions | null {
  const sections = new Map<string, Section>();
  for (const stmt of s.call.closure!.body) {
    const o = sectionOf(stmt);
    if (!o) {
      ctx.error('agent', `Expected to find 'key "value"' in agent type "${s.name}"`, stmt.loc);
      continue;
    }
    if (!allowed.includes(o.name)) {
      const dym = didYouMean(o.name, allowed);
      ctx.error('agent', dym
        ? `Invalid config option "${o.name}" for agent type "${s.name}"${dym}`
        : `Invalid config option "${o.name}" for agent type "${s.name}". Valid config options are ${fmtList(allowed)}`, o.nameLoc);
      continue;
    }
    if (sections.has(o.name)) {
      ctx.error('agent', `Multiple occurrences of "${o.name}" for agent type "${s.name}"`, o.nameLoc);
      continue;
    }
    sections.set(o.name, o);
  }
  for (const r of required) {
    if (!sections.has(r)) ctx.error('agent', `Missing required parameter: "${r}"`, s.nameLoc);
  }
  const cache = new Map<string, unknown>();
  const once = <T>(name: string, f: (sec: Section) => T): T | null => {
    const sec = sections.get(name);
    if (!sec) return null;
    if (!cache.has(name)) cache.set(name, f(sec));
    return cache.get(name) as T;
  };
  return {
    sections,
    expr: (name) => once(name, (sec) => valueArg(ctx, sec, 'agent key')),
    bool: (name) => once(name, (sec) => boolArg(ctx, sec, 'agent key')),
    int: (name) => once(name, (sec) => intArg(ctx, sec, 'agent key')),
    symbol: <T extends string>(name: string, values: readonly T[]) => once(name, (sec): T | null => {
      const e = singleArg(ctx, sec, 'agent key');
      if (!e) return null;
      let id: string | null = null;
      if (e.type === 'Call' && e.callee.type === 'Ident' && e.args.length === 0 && e.namedArgs.length === 0 && !e.closure) id = e.callee.name;
      else if (e.type === 'Ident') id = e.name;
      else {
        const v = staticValue(e);
        if (typeof v === 'string') id = v;
      }
      if (id !== null && (values as readonly string[]).includes(id)) return id as T;
      const msg = `Invalid value for "${name}": expected one of ${values.map((v) => v + '()').join(', ')}`;
      ctx.error('agent', id ? withSuggestion(msg, id.replace(/\(\)$/, ''), values).replace(/"(\w+)"\?$/, '"$1()"?') : msg, e.loc);
      return null;
    }),
  };
}
