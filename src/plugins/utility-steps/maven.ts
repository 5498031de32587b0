// readMavenPom / writeMavenPom (pipeline-utility-steps): a pom.xml as an object with the getters
// and setters of Maven's Model that Jenkinsfiles use, and written back.
//
//   def pom = readMavenPom file: 'pom.xml'        (file defaults to pom.xml)
//   pom.version / pom.getVersion() / pom.groupId ?: pom.parent.groupId / pom.properties['x']
//   pom.dependencies.each { d -> echo "${d.groupId}:${d.artifactId}:${d.version}" } / pom.modules
//   pom.version = '1.2.0' (or pom.setVersion('1.2.0')); writeMavenPom model: pom   (file: pom.xml)
//
// How: fast-xml-parser reads the pom into a tree of plain objects (strings kept as written: no
// number conversion of `01.0`); the Model, its Parent and Dependencies are host objects over
// that tree's fields, and `properties` / `modules` are a live map / list; writeMavenPom puts
// what they hold back into the tree and prints it, so the elements Kiln does not model (build,
// plugins, profiles, exclusions, ...) are written back as they were read. Comments and the
// original layout are not kept (the file is reformatted with two-space indents). A pom with a
// DOCTYPE is refused (no pom needs one; entity expansion is what it could add).
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { StepRun } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from '../../pipeline/steps/args.ts';
import { isHostObject, isList, isMap, type CallArgs, type GList, type GMap, type HostObject, type Value } from '../../pipeline/script/values.ts';
import { readWsFile, wsPath } from './files.ts';

type Xml = Record<string, unknown>;

const MODEL_FIELDS = ['modelVersion', 'groupId', 'artifactId', 'version', 'packaging', 'name', 'description', 'url', 'inceptionYear'] as const;
const PARENT_FIELDS = ['groupId', 'artifactId', 'version', 'relativePath'] as const;
const DEPENDENCY_FIELDS = ['groupId', 'artifactId', 'version', 'type', 'scope', 'classifier', 'optional', 'systemPath'] as const;

/** The XML element behind each bean (a Parent, a Dependency): what writeMavenPom writes. */
const nodes = new WeakMap<HostObject, Xml>();

/**
 * A Java bean over the string fields of an XML element: `b.x`, `b.getX()`, `b.x = v`, `b.setX(v)`;
 * `extra` adds properties of other kinds (the Model's parent, properties, dependencies, modules).
 */
function bean(typeName: string, node: Xml, fields: readonly string[], extra: Record<string, { get: () => Value; set?: (v: Value) => void }> = {}, show?: () => string): HostObject {
  const get = (name: string): Value | undefined => {
    if (name in extra) return extra[name]!.get();
    if (fields.includes(name)) { const v = node[name]; return v === undefined || v === null ? null : String(v); }
    return undefined;
  };
  const set = (name: string, v: Value): boolean => {
    if (name in extra) { if (!extra[name]!.set) return false; extra[name]!.set!(v); return true; }
    if (!fields.includes(name)) return false;
    if (v === null) delete node[name]; else node[name] = String(v);
    return true;
  };
  const self: HostObject = {
    kind: 'host',
    typeName,
    getProperty: (name) => get(name),
    setProperty: (name, v) => set(name, v),
    invokeMethod: (name: string, args: CallArgs) => {
      const m = /^(get|set|is)([A-Z]\w*)$/.exec(name);
      if (!m) return name === 'toString' ? Promise.resolve(self.toString()) : undefined;
      const prop = m[2]![0]!.toLowerCase() + m[2]!.slice(1);
      if (m[1] !== 'set' && args.positional.length === 0) { const v = get(prop); return v === undefined ? undefined : Promise.resolve(v); }
      if (m[1] === 'set' && args.positional.length === 1) return set(prop, args.positional[0]!) ? Promise.resolve(null) : undefined;
      return undefined;
    },
    toString: show ?? (() => `${typeName.split('.').pop()}`),
  };
  nodes.set(self, node);
  return self;
}

/** What writeMavenPom needs of a Model read by readMavenPom. */
interface ModelState { doc: Xml; project: Xml; properties: GMap; modules: GList; dependencies: GList; parent: HostObject | null }

const models = new WeakMap<HostObject, ModelState>();

function textOf(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return String((v as Xml)['#text'] ?? '');
  return String(v);
}

function parentBean(node: Xml): HostObject {
  return bean('org.apache.maven.model.Parent', node, PARENT_FIELDS, {}, () => `Parent {groupId=${String(node.groupId ?? '')}, artifactId=${String(node.artifactId ?? '')}, version=${String(node.version ?? '')}, relativePath=${String(node.relativePath ?? '')}}`);
}

function dependencyBean(node: Xml): HostObject {
  return bean('org.apache.maven.model.Dependency', node, DEPENDENCY_FIELDS, {}, () => `Dependency {groupId=${String(node.groupId ?? '')}, artifactId=${String(node.artifactId ?? '')}, version=${String(node.version ?? '')}, type=${String(node.type ?? 'jar')}}`);
}

export function modelOf(doc: Xml): HostObject {
  const project = (doc.project ?? {}) as Xml;
  const props = (project.properties && typeof project.properties === 'object' ? project.properties : {}) as Xml;
  const state: ModelState = {
    doc, project,
    properties: new Map(Object.entries(props).filter(([k]) => !k.startsWith('@_')).map(([k, v]) => [k, textOf(v)])),
    modules: (((project.modules as Xml | undefined)?.module ?? []) as unknown[]).map(textOf),
    dependencies: (((project.dependencies as Xml | undefined)?.dependency ?? []) as Xml[]).map((d) => dependencyBean(typeof d === 'object' && d ? d : {})),
    parent: project.parent && typeof project.parent === 'object' ? parentBean(project.parent as Xml) : null,
  };
  const model = bean('org.apache.maven.model.Model', project, MODEL_FIELDS, {
    parent: { get: () => state.parent, set: (v) => { if (v !== null && !isHostObject(v)) throw new StepFailure('Model.parent must be a Parent (pom.parent) or null'); state.parent = v; } },
    properties: { get: () => state.properties, set: (v) => { if (!isMap(v)) throw new StepFailure('Model.properties must be a map'); state.properties = v; } },
    modules: { get: () => state.modules, set: (v) => { if (!isList(v)) throw new StepFailure('Model.modules must be a list'); state.modules = v; } },
    dependencies: { get: () => state.dependencies, set: (v) => { if (!isList(v)) throw new StepFailure('Model.dependencies must be a list'); state.dependencies = v; } },
    id: { get: () => `${String(project.groupId ?? (state.parent ? nodes.get(state.parent)?.groupId ?? '' : ''))}:${String(project.artifactId ?? '')}:${String(project.packaging ?? 'jar')}:${String(project.version ?? '')}` },
  }, () => `Model {groupId=${String(project.groupId ?? 'null')}, artifactId=${String(project.artifactId ?? 'null')}, version=${String(project.version ?? 'null')}}`);
  models.set(model, state);
  return model;
}

const parser = new XMLParser({
  ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false, trimValues: true,
  isArray: (_name, jpath) => ['project.dependencies.dependency', 'project.modules.module', 'project.dependencyManagement.dependencies.dependency'].includes(String(jpath)),
});

export function parsePom(text: string, where: string): Xml {
  if (/<!DOCTYPE/i.test(text)) throw new StepFailure(`readMavenPom: ${where} has a DOCTYPE, which Kiln refuses in a pom (no pom needs one)`);
  let doc: Xml;
  try { doc = parser.parse(text, true) as Xml; } catch (err) {
    throw new StepFailure(`readMavenPom: ${where} is not valid XML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (!doc.project || typeof doc.project !== 'object') throw new StepFailure(`readMavenPom: ${where} is not a Maven pom (its root element is not <project>)`);
  return doc;
}

export const readMavenPom: StepRun = async (ctx, args) => {
  const { abs, data } = await readWsFile(ctx, 'readMavenPom', str(args, 'file') ?? 'pom.xml', 16 * 1024 * 1024);
  return modelOf(parsePom(data.toString('utf8'), abs));
};

/** The pom text of a Model: its tree with the modelled fields put back. */
export function pomText(model: HostObject): string {
  const st = models.get(model);
  if (!st) throw new StepFailure(`writeMavenPom: model must be what readMavenPom returned, got ${model.typeName}`);
  const p = st.project;
  const setOrDrop = (key: string, v: unknown, empty: boolean) => { if (empty) delete p[key]; else p[key] = v; };
  const nodeOf = (v: Value, what: string): Xml => {
    const n = isHostObject(v) ? nodes.get(v) : undefined;
    if (!n) throw new StepFailure(`writeMavenPom: ${what} must come from a model readMavenPom returned`);
    return n;
  };
  if (st.parent) p.parent = nodeOf(st.parent, 'model.parent'); else delete p.parent;
  const propsNode: Xml = {};
  for (const [k, v] of st.properties) propsNode[k] = v === null ? '' : String(v);
  setOrDrop('properties', propsNode, st.properties.size === 0);
  setOrDrop('modules', { module: st.modules.map((m) => String(m)) }, st.modules.length === 0);
  const deps = st.dependencies.map((d) => nodeOf(d, 'each of model.dependencies'));
  setOrDrop('dependencies', { ...(p.dependencies as Xml | undefined), dependency: deps }, deps.length === 0);
  const body = new XMLBuilder({ ignoreAttributes: false, format: true, indentBy: '  ', suppressEmptyNode: false }).build(st.doc['?xml'] ? st.doc : { '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, ...st.doc }) as string;
  return body.endsWith('\n') ? body : `${body}\n`;
}

export const writeMavenPom: StepRun = async (ctx, args) => {
  const model = args.values.model;
  if (!isHostObject(model)) throw new StepFailure('writeMavenPom: model must be the object readMavenPom returned');
  const text = pomText(model);
  await ctx.workspace().writeFile(wsPath(ctx, 'writeMavenPom', str(args, 'file') ?? 'pom.xml'), text);
  return null;
};
