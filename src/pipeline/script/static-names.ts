// The names of the static members scripts may call on the Java classes Kiln has (Integer,
// Math, ...), as data: `kiln lint` needs them for `import static` without loading the
// interpreter's methods (which reach the regex worker pool); methods-number.ts has the
// implementations, and test/pipeline/script/static-names.test.ts checks the two agree.

/** Classes a script may name: the simple name, after dropping java.lang., java.util. and friends. */
export const STATIC_ALIASES: Record<string, string> = {
  'java.lang.Integer': 'Integer', 'java.lang.Long': 'Long', 'java.lang.Double': 'Double', 'java.lang.Float': 'Float',
  'java.lang.Boolean': 'Boolean', 'java.lang.String': 'String', 'java.lang.Math': 'Math', 'java.lang.System': 'System',
  'java.lang.Thread': 'Thread', 'groovy.json.JsonOutput': 'JsonOutput', 'java.net.URLEncoder': 'URLEncoder',
  'java.net.URLDecoder': 'URLDecoder', 'java.util.UUID': 'UUID', 'java.lang.Character': 'Character',
};

/** Each class's static methods, by the simple name. */
export const STATIC_METHOD_NAMES: Record<string, readonly string[]> = {
  Integer: ['parseInt', 'valueOf', 'toString', 'toHexString', 'toBinaryString', 'max', 'min', 'compare', 'sum'],
  Long: ['parseLong', 'valueOf', 'toString', 'max', 'min'],
  Double: ['parseDouble', 'valueOf', 'toString', 'isNaN'],
  Float: ['parseFloat', 'valueOf'],
  Boolean: ['parseBoolean', 'valueOf', 'toString'],
  String: ['valueOf', 'format', 'join'],
  Math: ['max', 'min', 'abs', 'round', 'ceil', 'floor', 'pow', 'sqrt', 'log', 'log10', 'signum', 'floorDiv', 'floorMod', 'random'],
  System: ['currentTimeMillis', 'nanoTime', 'lineSeparator', 'getenv', 'getProperty', 'exit', 'setProperty'],
  Thread: ['sleep'],
  JsonOutput: ['toJson', 'prettyPrint'],
  URLEncoder: ['encode'],
  URLDecoder: ['decode'],
  UUID: ['randomUUID'],
  Character: ['isDigit', 'isLetter', 'isLetterOrDigit', 'isWhitespace', 'isUpperCase', 'isLowerCase', 'toUpperCase', 'toLowerCase'],
};

/**
 * The names `import static ...` makes callable without a class: the member for
 * `import static java.lang.Math.max` (or its alias), every static method Kiln has for the class
 * for `import static java.lang.Math.*` (none for a class it has no table of). For lint, which
 * must know these names as the interpreter does.
 */
export function staticImportNames(path: string, star: boolean, alias: string | null): string[] {
  const i = path.lastIndexOf('.');
  if (!star) return [alias ?? path.slice(i + 1)];
  const cls = path.endsWith('.*') ? path.slice(0, -2) : path;
  const c = STATIC_ALIASES[cls] ?? cls;
  return Object.hasOwn(STATIC_METHOD_NAMES, c) ? [...STATIC_METHOD_NAMES[c]!] : [];
}

