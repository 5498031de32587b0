// The analysis tools the warnings plugin knows, as data: the symbol a Jenkinsfile writes
// (`checkStyle()`), the id and name warnings-ng gives its results (analysis-model's parser
// descriptors: `checkstyle` / "CheckStyle"), the default report pattern, and which parser reads
// the report (parsers.ts). A tool without a pattern reads the build's console log, as
// warnings-ng's report-scanning tools do; a tool whose warnings-ng descriptor cannot scan the
// console (canScanConsoleLog() false: SARIF, HadoLint, ...) has the descriptor's default pattern.
// A tool warnings-ng has no symbol for (symbol '') is named only by its analysis-model id:
// analysisParser(analysisModelId: 'shellcheck', pattern: ...) or issues(analysisModelId: ...).
// A tool whose format Kiln cannot read is not listed at all, so its symbol stays unknown.
// Read by the declarations (index.ts) and the runtime.

export type ParserKind =
  | 'checkstyle' | 'eslint' | 'pmd' | 'cpd' | 'spotbugs' | 'junit' | 'native'
  | 'javac' | 'javadoc' | 'maven' | 'gcc' | 'pylint' | 'flake8' | 'tasks'
  | 'sarif' | 'cppcheck' | 'cpplint' | 'clangtidy' | 'msbuild' | 'govet' | 'golint' | 'shellcheck'
  | 'hadolint' | 'yamllint' | 'mypy' | 'pep8' | 'pydocstyle' | 'rubocop'
  | 'kotlin' | 'scala' | 'errorprone' | 'trivy' | 'grype' | 'owasp' | 'dockerlint' | 'ansiblelint';

export interface ToolDef {
  /** The symbol: `java()`, `checkStyle(pattern: '...')`; '' when warnings-ng has none (analysisParser only). */
  symbol: string;
  id: string;
  name: string;
  /** The default Ant pattern of report files; '' = the console log when no pattern is given. */
  pattern: string;
  parser: ParserKind;
}

export const TOOLS: readonly ToolDef[] = [
  { symbol: 'java', id: 'java', name: 'Java Compiler', pattern: '', parser: 'javac' },
  { symbol: 'javaDoc', id: 'javadoc-warnings', name: 'JavaDoc', pattern: '', parser: 'javadoc' },
  { symbol: 'mavenConsole', id: 'maven-warnings', name: 'Maven', pattern: '', parser: 'maven' },
  { symbol: 'gcc', id: 'gcc', name: 'GNU C Compiler (gcc)', pattern: '', parser: 'gcc' },
  { symbol: 'gcc4', id: 'gcc', name: 'GNU C Compiler (gcc)', pattern: '', parser: 'gcc' },
  { symbol: 'clang', id: 'clang', name: 'Clang', pattern: '', parser: 'gcc' },
  { symbol: 'checkStyle', id: 'checkstyle', name: 'CheckStyle', pattern: '**/checkstyle-result.xml', parser: 'checkstyle' },
  { symbol: 'esLint', id: 'eslint', name: 'ESLint', pattern: '', parser: 'eslint' },
  { symbol: 'styleLint', id: 'stylelint', name: 'Stylelint', pattern: '', parser: 'checkstyle' },
  { symbol: 'tsLint', id: 'tslint', name: 'TSLint', pattern: '', parser: 'checkstyle' },
  { symbol: 'pmdParser', id: 'pmd', name: 'PMD', pattern: '**/pmd.xml', parser: 'pmd' },
  { symbol: 'cpd', id: 'cpd', name: 'CPD', pattern: '**/cpd.xml', parser: 'cpd' },
  { symbol: 'spotBugs', id: 'spotbugs', name: 'SpotBugs', pattern: '**/spotbugsXml.xml', parser: 'spotbugs' },
  { symbol: 'findBugs', id: 'findbugs', name: 'FindBugs', pattern: '**/findbugsXml.xml', parser: 'spotbugs' },
  { symbol: 'junitParser', id: 'junit', name: 'JUnit', pattern: '', parser: 'junit' },
  { symbol: 'pyLint', id: 'pylint', name: 'Pylint', pattern: '', parser: 'pylint' },
  { symbol: 'flake8', id: 'flake8', name: 'Flake8', pattern: '', parser: 'flake8' },
  { symbol: 'sarif', id: 'sarif', name: 'SARIF', pattern: '**/sonar-report.json', parser: 'sarif' },
  { symbol: 'cppLint', id: 'cpplint', name: 'CppLint', pattern: '', parser: 'cpplint' },
  { symbol: 'cppCheck', id: 'cppcheck', name: 'CPPCheck', pattern: '', parser: 'cppcheck' },
  { symbol: 'clangTidy', id: 'clang-tidy', name: 'Clang-Tidy', pattern: '', parser: 'clangtidy' },
  { symbol: 'msBuild', id: 'msbuild', name: 'MSBuild', pattern: '', parser: 'msbuild' },
  { symbol: 'goVet', id: 'go-vet', name: 'Go Vet', pattern: '', parser: 'govet' },
  { symbol: 'goLint', id: 'golint', name: 'Go Lint', pattern: '', parser: 'golint' },
  { symbol: '', id: 'shellcheck', name: 'ShellCheck', pattern: '**/shellcheck.json', parser: 'shellcheck' },
  { symbol: 'hadoLint', id: 'hadolint', name: 'HadoLint', pattern: '', parser: 'hadolint' },
  { symbol: 'yamlLint', id: 'yamllint', name: 'YamlLint', pattern: '', parser: 'yamllint' },
  { symbol: 'myPy', id: 'mypy', name: 'MyPy', pattern: '', parser: 'mypy' },
  { symbol: 'pep8', id: 'pep8', name: 'Pep8', pattern: '', parser: 'pep8' },
  { symbol: 'pyDocStyle', id: 'pydocstyle', name: 'PyDocStyle', pattern: '', parser: 'pydocstyle' },
  { symbol: 'ruboCop', id: 'rubocop', name: 'Rubocop', pattern: '', parser: 'rubocop' },
  { symbol: 'kotlin', id: 'kotlin', name: 'Kotlin', pattern: '', parser: 'kotlin' },
  { symbol: 'scala', id: 'scala', name: 'Scala Compiler', pattern: '', parser: 'scala' },
  { symbol: 'errorProne', id: 'error-prone', name: 'ErrorProne', pattern: '', parser: 'errorprone' },
  { symbol: 'trivy', id: 'trivy', name: 'Aquasec Trivy', pattern: '', parser: 'trivy' },
  { symbol: 'grype', id: 'grypescanner', name: 'Grype scanner', pattern: '**/grype-report.json', parser: 'grype' },
  { symbol: 'owaspDependencyCheck', id: 'owasp-dependency-check', name: 'OWASP Dependency Check', pattern: '**/dependency-check-report.json', parser: 'owasp' },
  { symbol: 'dockerLint', id: 'dockerlint', name: 'Dockerfile Lint', pattern: '', parser: 'dockerlint' },
  { symbol: 'ansibleLint', id: 'ansiblelint', name: 'Ansible Lint', pattern: '', parser: 'ansiblelint' },
  // Linters analysis-model reads with its checkstyle parser.
  { symbol: 'ktLint', id: 'ktlint', name: 'KtLint', pattern: '', parser: 'checkstyle' },
  { symbol: 'detekt', id: 'detekt', name: 'Detekt', pattern: '', parser: 'checkstyle' },
  { symbol: 'phpCodeSniffer', id: 'php-code-sniffer', name: 'PHP_CodeSniffer', pattern: '', parser: 'checkstyle' },
  { symbol: 'phpStan', id: 'phpstan', name: 'PHPStan', pattern: '', parser: 'checkstyle' },
  { symbol: 'swiftLint', id: 'swiftlint', name: 'SwiftLint', pattern: '', parser: 'checkstyle' },
  { symbol: 'issues', id: 'issues', name: 'Static Analysis', pattern: '', parser: 'native' },
  { symbol: 'taskScanner', id: 'open-tasks', name: 'Open Tasks Scanner', pattern: '', parser: 'tasks' },
];

export function toolBySymbol(symbol: string): ToolDef | undefined {
  return symbol ? TOOLS.find((t) => t.symbol === symbol) : undefined;
}

/** A tool by its analysis-model id (analysisParser(analysisModelId: ...), issues(analysisModelId: ...)); never the task scanner. */
export function toolById(id: string): ToolDef | undefined {
  return TOOLS.find((t) => t.id === id && t.parser !== 'tasks');
}

/** warnings-ng's filters (RegexpFilter subclasses): each symbol takes one Java regex, `pattern`. */
export const FILTERS = [
  'includeFile', 'excludeFile', 'includeCategory', 'excludeCategory', 'includeType', 'excludeType',
  'includePackage', 'excludePackage', 'includeModule', 'excludeModule', 'includeMessage', 'excludeMessage',
] as const;
export type FilterSymbol = (typeof FILTERS)[number];

/** Quality gate types (WarningsQualityGate.QualityGateType) and the names the console prints. */
export const GATE_TYPES: Readonly<Record<string, string>> = {
  TOTAL: 'Total (any severity)',
  TOTAL_ERROR: 'Total (errors only)',
  TOTAL_HIGH: 'Total (severity high only)',
  TOTAL_NORMAL: 'Total (severity normal only)',
  TOTAL_LOW: 'Total (severity low only)',
  NEW: 'New (any severity)',
  NEW_ERROR: 'New (errors only)',
  NEW_HIGH: 'New (severity high only)',
  NEW_NORMAL: 'New (severity normal only)',
  NEW_LOW: 'New (severity low only)',
  DELTA: 'Delta (any severity)',
  DELTA_ERROR: 'Delta (errors only)',
  DELTA_HIGH: 'Delta (severity high only)',
  DELTA_NORMAL: 'Delta (severity normal only)',
  DELTA_LOW: 'Delta (severity low only)',
};
