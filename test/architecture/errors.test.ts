// Kiln's errors (src/core/errors.ts, docs/architecture.md "Errors"): every error class of src
// extends KilnError, so a new one cannot slip in without a stable code; every code a class gives
// is lowercase and dotted and listed in the docs' catalogue (and the catalogue lists no code
// that src does not give); and what a caller sees of an error is its class's name, its code, and
// the message and fields it had before.
//
// How: TypeScript's own parser and checker over src (noResolve: only src's files, no library
// types, so it takes a couple of seconds). A class is an error class when its chain of bases
// reaches a library's error class (Error, TypeError, ...); a class whose base is KilnError
// itself names its code in its `super(...)` call, whose type must be a string literal or a union
// of them (`workspace.${code}` with code 'outside' | ... is four codes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { KilnError, StepFailure, Interrupted } from '../../src/core/errors.ts';
import { WorkspaceError } from '../../src/core/workspace.ts';
import { StoreError } from '../../src/store/types.ts';
import { ApiError, ERRORS } from '../../src/controller/http-errors.ts';
import { TriggerError } from '../../src/controller/builds.ts';
import { ProtocolViolation } from '../../src/protocol/codec.ts';
import { ScriptError } from '../../src/pipeline/script/errors.ts';
import { JUnitParseError } from '../../src/pipeline/steps/junit-xml.ts';
import { ClientError } from '../../src/cli/client.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CODE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$/;

interface ErrorClass { name: string; where: string; kiln: boolean; codes: string[] | null }

/** Every error class declared in src: whether it extends KilnError, and the codes it gives (null: it inherits its base's). */
function errorClasses(): { classes: ErrorClass[]; problems: string[] } {
  const files = (readdirSync(path.join(root, 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts')).map((f) => path.join(root, 'src', f));
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  })!;
  const program = ts.createProgram(files, { ...parsed.options, noResolve: true, types: [] });
  const checker = program.getTypeChecker();
  const kilnErrorFile = path.join(root, 'src/core/errors.ts');
  const classes: ErrorClass[] = [];
  const problems: string[] = [];

  const where = (n: ts.Node): string => {
    const sf = n.getSourceFile();
    return `${path.relative(root, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  };
  const baseOf = (c: ts.ClassLikeDeclaration): ts.Declaration | null => {
    const ext = c.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    if (!ext) return null;
    let sym = checker.getSymbolAtLocation(ext.expression);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    return sym?.declarations?.[0] ?? null;
  };
  const isKilnError = (d: ts.Declaration): boolean =>
    ts.isClassDeclaration(d) && d.name?.text === 'KilnError' && d.getSourceFile().fileName === kilnErrorFile;
  /** 'kiln' (KilnError among its bases), 'error' (a library's error class, not through KilnError), or null (not an error). */
  const kind = (c: ts.ClassLikeDeclaration): 'kiln' | 'error' | null => {
    for (let d = baseOf(c); d; d = ts.isClassLike(d) ? baseOf(d) : null) {
      if (isKilnError(d)) return 'kiln';
      if (d.getSourceFile().isDeclarationFile) return /Error$/.test(ts.getNameOfDeclaration(d)?.getText() ?? '') ? 'error' : null;
    }
    return null;
  };
  const literals = (t: ts.Type): string[] | null => {
    if (t.isStringLiteral()) return [t.value];
    if (t.isUnion()) {
      const each = t.types.map(literals);
      return each.every((x) => x !== null) ? each.flat() : null;
    }
    const c = checker.getBaseConstraintOfType(t);
    return c && c !== t ? literals(c) : null;
  };
  /** The codes a direct subclass of KilnError passes to its constructor. */
  const codesOf = (c: ts.ClassLikeDeclaration): string[] | null => {
    const ctor = c.members.find(ts.isConstructorDeclaration);
    let call: ts.CallExpression | undefined;
    const find = (n: ts.Node): void => {
      if (!call && ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword) call = n;
      else ts.forEachChild(n, find);
    };
    if (ctor?.body) find(ctor.body);
    const arg = call?.arguments[0];
    return arg ? literals(checker.getTypeAtLocation(arg)) : null;
  };

  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(path.join(root, 'src') + path.sep)) continue;
    const visit = (n: ts.Node): void => {
      if (ts.isClassLike(n) && !isKilnError(n)) {
        const k = kind(n);
        const name = n.name?.text ?? '(anonymous class)';
        if (k !== null) {
          const base = baseOf(n);
          const direct = base !== null && isKilnError(base);
          const codes = direct ? codesOf(n) : null;
          if (direct && codes === null) problems.push(`${name} (${where(n)}) must pass its code to KilnError as a string literal, or a union of them, in its own constructor`);
          classes.push({ name, where: where(n), kiln: k === 'kiln', codes });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { classes, problems };
}

/** The codes of the docs' Errors section (`http.<code>` stands for one per HTTP catalogue code). */
function documentedCodes(): Set<string> {
  const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  const start = doc.indexOf('## Errors (`src/core/errors.ts`)');
  assert.ok(start >= 0, 'docs/architecture.md has no "## Errors (`src/core/errors.ts`)" section');
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const codes = new Set<string>();
  for (const m of section.matchAll(/^\| `([^`]+)` \|/gm)) {
    const code = m[1]!;
    if (code === 'http.<code>') for (const c of Object.keys(ERRORS)) codes.add(`http.${c}`);
    else codes.add(code);
  }
  return codes;
}

const scan = errorClasses();

test('every error class of src extends KilnError (a new `extends Error` fails here, naming it)', () => {
  const names = scan.classes.map((c) => c.name);
  for (const known of ['StepFailure', 'Interrupted', 'WorkspaceError', 'StoreError', 'ApiError', 'AuthError', 'ProtocolViolation', 'UsageError', 'KubeApiError', 'GroovyException']) {
    assert.ok(names.includes(known), `the scan did not see ${known}: ${names.join(', ')}`);
  }
  const outside = scan.classes.filter((c) => !c.kiln).map((c) => `${c.name} (${c.where})`);
  assert.deepEqual(outside, [], `error classes that do not extend KilnError (src/core/errors.ts):\n  ${outside.join('\n  ')}`);
  assert.deepEqual(scan.problems, []);
});

test('every code is lowercase and dotted, listed in docs/architecture.md "Errors", and every listed code is given', () => {
  const documented = documentedCodes();
  const given = new Map<string, string[]>();
  for (const c of scan.classes) for (const code of c.codes ?? []) given.set(code, [...(given.get(code) ?? []), c.name]);
  assert.ok(given.size > 40, `only ${given.size} codes found`);
  const badFormat = [...given.keys()].filter((c) => !CODE.test(c));
  assert.deepEqual(badFormat, [], 'codes must be lowercase words, the area then the failure, dotted (workspace.outside)');
  const missing = [...given].filter(([code]) => !documented.has(code)).map(([code, cls]) => `${code} (${cls.join(', ')})`);
  assert.deepEqual(missing, [], 'codes given in src but missing from the table in docs/architecture.md "Errors"');
  const stale = [...documented].filter((code) => !given.has(code));
  assert.deepEqual(stale, [], 'codes listed in docs/architecture.md "Errors" that no class gives');
});

test('what a caller sees: the class name, the stable code, and the message and fields it had before', () => {
  const w = new WorkspaceError('outside', "path '../x' is outside the workspace");
  assert.ok(w instanceof KilnError && w instanceof Error);
  assert.equal(w.name, 'WorkspaceError');
  assert.equal(w.kilnCode, 'workspace.outside');
  assert.equal(w.code, 'outside');
  assert.equal(w.message, "path '../x' is outside the workspace");
  assert.equal(String(w), "WorkspaceError: path '../x' is outside the workspace");

  const cause = new Error('disk');
  const s = new StoreError('unavailable', 'the database cannot be reached', { cause });
  assert.deepEqual([s.name, s.kilnCode, s.code, s.cause], ['StoreError', 'store.unavailable', 'unavailable', cause]);

  const f = new StepFailure('script returned exit code 2', { result: 'UNSTABLE', cause });
  assert.deepEqual([f.name, f.kilnCode, f.result, f.cause], ['StepFailure', 'step.failed', 'UNSTABLE', cause]);
  assert.ok(!Object.hasOwn(new StepFailure('x'), 'cause'), 'no cause given, none set');
  const i = new Interrupted('timeout', 'Timeout has been exceeded');
  assert.deepEqual([i.name, i.kilnCode, i.cause_, i.result], ['Interrupted', 'build.interrupted', 'timeout', 'ABORTED']);

  // A subclass keeps its base's code, with its own name.
  const t = new TriggerError(409, 'job is disabled');
  assert.deepEqual([t.name, t.kilnCode, t.code, t.status], ['TriggerError', 'http.conflict', 'conflict', 409]);
  assert.ok(t instanceof ApiError);
  const e = new ScriptError('limit', 'too large', null);
  assert.deepEqual([e.name, e.kilnCode, e.code], ['ScriptError', 'pipeline.error', 'limit']);

  // Fields named `code` before keep their values and types.
  const p = new ProtocolViolation(1008, 'a second welcome');
  assert.deepEqual([p.name, p.kilnCode, p.code], ['ProtocolViolation', 'protocol.violation', 1008]);
  // Classes that had no name of their own now say theirs.
  assert.equal(String(new JUnitParseError('r.xml: not a JUnit report')), 'JUnitParseError: r.xml: not a JUnit report');
  assert.deepEqual([new ClientError('no', 404).name, new ClientError('no').kilnCode], ['ClientError', 'cli.client']);
});
