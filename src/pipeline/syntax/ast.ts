// The syntax tree of the Groovy subset that Jenkinsfiles are written in.
//
// One tree serves both worlds: declarative pipelines (`pipeline { stages { ... } }` is, to the
// parser, nothing but calls with trailing closures) and the statements inside `script {}` and
// scripted pipelines, which the interpreter in ../script runs. Every node keeps where it came
// from, so that validation and run-time errors can say FILE:LINE:COL.

import type { Loc, Pos } from '../../core/build.ts';

interface NodeBase {
  loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// Expressions

/** 'x', '''x''', "x" and """x""" without interpolation, /x/ without interpolation. */
export interface StringLit extends NodeBase {
  type: 'String';
  value: string;
  /** How it was quoted, for messages and for `kiln lint` hints. */
  quote: "'" | '"' | "'''" | '"""' | '/' | '$/';
}

/** "a ${b} $c.d": alternating literal text and expressions; parts.length === exprs.length + 1. */
export interface GStringLit extends NodeBase {
  type: 'GString';
  parts: string[];
  exprs: Expr[];
  quote: '"' | '"""' | '/' | '$/';
}

export interface NumberLit extends NodeBase {
  type: 'Number';
  value: number;
  /** Source text, e.g. "10", "1.5", "100L", "0x1F". */
  raw: string;
  isInteger: boolean;
  /** An integer literal that is not a plain Integer (`5L`, `3000000000`, `7G`): its value comes from `raw`, exactly. */
  exact?: boolean;
  /**
   * The operand of a unary minus written right before it (`-0.0d`, `- 1`, not `-(0.0d)`): Groovy's
   * parser folds the sign into the literal, so `-0.0d` is the Double 0.0, not -0.0.
   */
  negated?: boolean;
}

export interface BooleanLit extends NodeBase {
  type: 'Boolean';
  value: boolean;
}

export interface NullLit extends NodeBase {
  type: 'Null';
}

/** A bare name: a variable, a step, `any`, `env`, `params`, `this`... */
export interface Ident extends NodeBase {
  type: 'Ident';
  name: string;
}

/** [a, b, c] */
export interface ListExpr extends NodeBase {
  type: 'List';
  items: Expr[];
}

export interface MapEntry extends NodeBase {
  /** `k: v` has key String 'k'; `(expr): v` and `"x${y}": v` have the expression. */
  key: Expr;
  value: Expr;
}

/** [k: v, ...] and the empty map [:] */
export interface MapExpr extends NodeBase {
  type: 'Map';
  entries: MapEntry[];
}

/** obj.name, obj?.name, obj*.name; also obj.'quoted name' */
export interface PropertyExpr extends NodeBase {
  type: 'Property';
  object: Expr;
  name: string;
  nameLoc: Loc;
  safe: boolean;
  spread: boolean;
}

/** obj[index] (and obj?[index]) */
export interface IndexExpr extends NodeBase {
  type: 'Index';
  object: Expr;
  index: Expr;
  safe: boolean;
}

/** A named argument `name: value` in a call (Groovy collects them into a map). */
export interface NamedArg extends NodeBase {
  name: string;
  /** For the rare `"${x}": v` / `(expr): v` keys; when set, `name` is ''. */
  keyExpr?: Expr;
  value: Expr;
}

/**
 * A method or step call, with or without parentheses:
 *   sh 'x'                      callee Ident sh, args ['x'], parens false
 *   sh(script: 'x', returnStdout: true)   named args, parens true
 *   stage('Build') { ... }      args ['Build'], closure
 *   steps { ... }               no args, closure
 *   agent any                   args [Ident any], parens false
 *   'a,b'.split(',')            callee Property (object String, name split)
 * Positional and named arguments keep their source order in `order`.
 */
export interface CallExpr extends NodeBase {
  type: 'Call';
  callee: Ident | PropertyExpr | Expr;
  args: Expr[];
  namedArgs: NamedArg[];
  /** Source order of arguments: 'p' positional, 'n' named, by index into args / namedArgs. */
  order: { kind: 'p' | 'n'; index: number }[];
  /** Trailing closure `f(...) { }` or `f { }` (Groovy appends it as the last argument). */
  closure: ClosureExpr | null;
  parens: boolean;
  /** obj?.m() */
  safe: boolean;
  /** For `assert cond [: msg]`: the statement's source text, which a failed assert prints. */
  assertText?: string;
}

export interface Param extends NodeBase {
  name: string;
  /** Declared type name, if any (`String s`): kept for messages, not enforced. */
  typeName: string | null;
  default: Expr | null;
}

/** { a, b -> ... } and { -> ... } and { ... } (implicit `it`) */
export interface ClosureExpr extends NodeBase {
  type: 'Closure';
  params: Param[];
  /** true when the closure declared a parameter list (even empty `->`). */
  explicitParams: boolean;
  body: Stmt[];
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '**'
  | '==' | '!=' | '<' | '<=' | '>' | '>=' | '<=>' | '===' | '!=='
  | '&&' | '||'
  | '&' | '|' | '^' | '<<' | '>>' | '>>>'
  | '=~' | '==~'
  | 'in' | '!in' | 'instanceof' | '!instanceof'
  | '?:';

export interface BinaryExpr extends NodeBase {
  type: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}

export interface UnaryExpr extends NodeBase {
  type: 'Unary';
  op: '!' | '-' | '+' | '~' | '++' | '--';
  /** ++x / --x are prefix; x++ / x-- postfix. Other ops are always prefix. */
  prefix: boolean;
  operand: Expr;
}

export interface TernaryExpr extends NodeBase {
  type: 'Ternary';
  test: Expr;
  consequent: Expr;
  alternate: Expr;
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '**=' | '<<=' | '>>=' | '&=' | '|=' | '^=' | '?=';

/** x = v, env.X = v, m['k'] = v, x += v; an expression in Groovy. `(a, b) = v` has a List target. */
export interface AssignExpr extends NodeBase {
  type: 'Assign';
  op: AssignOp;
  target: Expr;
  value: Expr;
}

/** a..b and a..<b */
export interface RangeExpr extends NodeBase {
  type: 'Range';
  from: Expr;
  to: Expr;
  exclusive: boolean;
}

/** `expr as Type`, or `(Type) expr` (java: true), which Groovy casts as a typed declaration does (castToType, not asType). */
export interface CastExpr extends NodeBase {
  type: 'Cast';
  expr: Expr;
  typeName: string;
  java?: true;
}

/** new Foo(args): parsed so that the interpreter can refuse it with a precise message. */
export interface NewExpr extends NodeBase {
  type: 'New';
  typeName: string;
  args: Expr[];
  namedArgs: NamedArg[];
}

/** obj.&name (and this.&name): the method `name` of `obj` as a closure. */
export interface MethodPointerExpr extends NodeBase {
  type: 'MethodPointer';
  object: Expr;
  name: string;
  nameLoc: Loc;
}

/** `*list` inside a list literal or a call's arguments: its items spread in place. */
export interface SpreadExpr extends NodeBase {
  type: 'Spread';
  expr: Expr;
}

/** A class literal or qualified name used as a value, e.g. `java.lang.Math` or `String`. */
export type Expr =
  | StringLit | GStringLit | NumberLit | BooleanLit | NullLit
  | Ident | ListExpr | MapExpr | PropertyExpr | IndexExpr | CallExpr | ClosureExpr
  | BinaryExpr | UnaryExpr | TernaryExpr | AssignExpr | RangeExpr | CastExpr | NewExpr
  | MethodPointerExpr | SpreadExpr;

// ---------------------------------------------------------------------------------------------
// Statements

export interface ExprStmt extends NodeBase {
  type: 'ExprStmt';
  expr: Expr;
}

/** def x = 1; String s; def (a, b) = [1, 2]; final x = 2 */
export interface VarDecl extends NodeBase {
  type: 'VarDecl';
  /** One name, or several for the multiple-assignment form `def (a, b) = ...`. */
  names: { name: string; loc: Loc }[];
  typeName: string | null;
  init: Expr | null;
  multi: boolean;
}

export interface BlockStmt extends NodeBase {
  type: 'Block';
  body: Stmt[];
}

export interface IfStmt extends NodeBase {
  type: 'If';
  test: Expr;
  consequent: Stmt;
  alternate: Stmt | null;
}

/** for (x in xs) / for (def x in xs) / for (String x : xs) */
export interface ForInStmt extends NodeBase {
  type: 'ForIn';
  varName: string;
  varLoc: Loc;
  iterable: Expr;
  body: Stmt;
}

/** for (int i = 0; i < n; i++) */
export interface ForStmt extends NodeBase {
  type: 'For';
  init: Stmt | null;
  test: Expr | null;
  update: Expr[];
  body: Stmt;
}

export interface WhileStmt extends NodeBase {
  type: 'While';
  test: Expr;
  body: Stmt;
}

export interface ReturnStmt extends NodeBase {
  type: 'Return';
  value: Expr | null;
}

export interface BreakStmt extends NodeBase {
  type: 'Break';
  /** `break outer`: the label of the statement to leave, else absent. */
  label?: string;
}

export interface ContinueStmt extends NodeBase {
  type: 'Continue';
  /** `continue outer`: the label of the loop to continue, else absent. */
  label?: string;
}

/** `outer: for (...) { ... }`: a labeled statement, the target of `break outer` / `continue outer`. */
export interface LabeledStmt extends NodeBase {
  type: 'Labeled';
  label: string;
  body: Stmt;
}

export interface ThrowStmt extends NodeBase {
  type: 'Throw';
  value: Expr;
}

export interface CatchClause extends NodeBase {
  /** Declared exception types (`catch (IOException | InterruptedException e)`), [] for `catch (e)`. */
  typeNames: string[];
  varName: string;
  body: BlockStmt;
}

export interface TryStmt extends NodeBase {
  type: 'Try';
  block: BlockStmt;
  handlers: CatchClause[];
  finalizer: BlockStmt | null;
}

export interface SwitchCase extends NodeBase {
  /** null for `default:` */
  test: Expr | null;
  body: Stmt[];
}

export interface SwitchStmt extends NodeBase {
  type: 'Switch';
  discriminant: Expr;
  cases: SwitchCase[];
}

/** def name(params) { body } at the top level of a script (scripted pipelines use them). */
export interface FunctionDecl extends NodeBase {
  type: 'Function';
  name: string;
  params: Param[];
  body: BlockStmt;
  /** The declared return type (`String f()`), absent for `def`: Groovy casts the value returned to it. */
  returnType?: string;
}

/**
 * import a.b.C / import static a.b.C.m / import a.b.* / import a.b.C as D. `path` is the dotted
 * path as written (with `.*` for a star import, the member for a static import).
 */
export interface ImportStmt extends NodeBase {
  type: 'Import';
  path: string;
  isStatic: boolean;
  star: boolean;
  /** `as D`, or null. */
  alias: string | null;
}

/** @Library('lib@ref') _  (shared library annotation), @Field, @NonCPS, ... before what they annotate. */
export interface AnnotationStmt extends NodeBase {
  type: 'Annotation';
  name: string;
  args: Expr[];
  namedArgs: NamedArg[];
}

/** A field of a class: `def steps`, `static final int N = 3`, `private String name = 'x'`. */
export interface ClassField extends NodeBase {
  name: string;
  nameLoc: Loc;
  typeName: string | null;
  init: Expr | null;
  isStatic: boolean;
  /** Names of the annotations written on it. */
  annotations: string[];
}

/** A method or constructor of a class; `body` is null for an abstract or interface method. */
export interface ClassMethod extends NodeBase {
  name: string;
  nameLoc: Loc;
  params: Param[];
  body: BlockStmt | null;
  isStatic: boolean;
  annotations: string[];
  /** The declared return type (`double area()`, `void run()`), absent for `def` and constructors: Groovy casts the value returned to it. */
  returnType?: string;
}

/** An enum constant: `RED`, `RED('#f00')`. */
export interface EnumConstant extends NodeBase {
  name: string;
  args: Expr[];
  namedArgs: NamedArg[];
}

/** A class, interface, enum or trait defined in the Jenkinsfile (at its top level). */
export interface ClassDecl extends NodeBase {
  type: 'Class';
  kind: 'class' | 'interface' | 'enum' | 'trait';
  name: string;
  nameLoc: Loc;
  /** `extends X` (for an interface, its first super-interface), or null. */
  superName: string | null;
  interfaces: string[];
  fields: ClassField[];
  methods: ClassMethod[];
  constructors: ClassMethod[];
  /** Enum constants, in order. */
  constants: EnumConstant[];
  /** `{ ... }` and `static { ... }` initializer blocks, in order. */
  initializers: { isStatic: boolean; body: BlockStmt }[];
  /** Classes nested in this one. */
  classes: ClassDecl[];
}

export type Stmt =
  | ExprStmt | VarDecl | BlockStmt | IfStmt | ForInStmt | ForStmt | WhileStmt
  | ReturnStmt | BreakStmt | ContinueStmt | ThrowStmt | TryStmt | SwitchStmt
  | FunctionDecl | ImportStmt | AnnotationStmt | ClassDecl
  | LabeledStmt;

/** A whole Jenkinsfile. */
export interface Script extends NodeBase {
  type: 'Script';
  body: Stmt[];
  /** The #! line, if the file starts with one. */
  shebang: string | null;
}

export type Node = Expr | Stmt | Script;
