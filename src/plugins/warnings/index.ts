// The warnings plugin: static analysis as Jenkins' Warnings Next Generation plugin has it, and
// the reference build of the Git Forensics plugin. What it declares, as data that validation
// and `kiln lint` read without loading anything else:
//   steps     recordIssues (scan + publish in one), scanForIssues and publishIssues (the older
//             two-step form), discoverGitReferenceBuild (git-forensics: the reference for new/fixed)
//   symbols   one per tool (decl.ts: java(), checkStyle(pattern: ...), taskScanner(...), ...),
//             analysisParser(analysisModelId: ...) for any of them by id
//             and per filter (includeFile('regex'), excludeType('regex'), ...)
// What runs is runtime.ts (parsers.ts reads the reports, analysis.ts computes the delta and the
// quality gates), loaded when a build first uses one of these. Results are kept through the
// host's BuildServices.issues (the controller: the store, served at .../builds/N/issues).
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { FILTERS, TOOLS } from './decl.ts';

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const n = (name: string, doc: string): StepParam => ({ name, type: 'integer', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });
const symbol = (name: string, doc: string, params: StepParam[], positional?: string): StepDecl =>
  ({ name, doc, params, block: 'none', needsNode: false, kind: 'symbol', ...(positional ? { positional } : {}) });

const toolParams: StepParam[] = [
  s('pattern', 'Ant pattern of the report files in the workspace (default: the tool\'s own, or the console log)'),
  s('id', 'id of the result (default: the tool\'s)'),
  s('name', 'name of the result (default: the tool\'s)'),
  s('reportEncoding', 'encoding of the report files (default UTF-8)'),
  b('skipSymbolicLinks', 'do not follow symbolic links while searching (accepted; links are never followed out of the workspace)'),
  s('analysisModelId', "analysisParser() and issues(): the analysis-model parser to use, by id ('checkstyle', 'sarif', 'shellcheck', ...)"),
  b('useRankAsPriority', 'spotBugs()/findBugs(): accepted (the rank always sets the severity)'),
  n('highThreshold', 'cpd(): duplicated lines from which a duplication is high (default 50)'),
  n('normalThreshold', 'cpd(): duplicated lines from which a duplication is normal (default 25)'),
];

const taskParams: StepParam[] = [
  s('id', 'id of the result (default open-tasks)'), s('name', 'name of the result'),
  s('includePattern', 'Ant pattern of the files to scan (default **/*.java)'), s('excludePattern', 'Ant pattern of files to leave out'),
  s('highTags', 'comma-separated tags of high priority (FIXME)'), s('normalTags', 'tags of normal priority (TODO)'), s('lowTags', 'tags of low priority'),
  b('ignoreCase', 'match tags case-insensitively'), b('isRegularExpression', 'tags are Java regular expressions'),
  s('sourceCodeEncoding', 'encoding of the scanned files'),
];

const gateParams: StepParam[] = [
  a('qualityGates', "[[threshold: 1, type: 'TOTAL', unstable: true]] or criticality: 'UNSTABLE' | 'FAILURE' | 'NOTE' | 'ERROR'"),
  b('ignoreQualityGate', 'take the previous build as reference even if its quality gate failed'),
  b('ignoreFailedBuilds', 'accepted (failed builds are never references)'),
  s('referenceJobName', 'job whose last finished build is the reference (default: this job)'),
  s('referenceBuildId', 'accepted for compatibility'),
  b('failOnError', 'fail the build when a report could not be read'),
  n('healthy', 'accepted (no health report)'), n('unhealthy', 'accepted (no health report)'),
  s('minimumSeverity', 'accepted (no health report)'),
  s('trendChartType', 'accepted (no trend chart)'),
  b('skipPublishingChecks', 'accepted (no checks)'), b('publishAllIssues', 'accepted (no checks)'),
  s('checksAnnotationScope', 'accepted (no checks)'),
  b('quiet', 'print less'),
  s('id', 'id of the result (aggregated, or of the single tool)'), s('name', 'name of the result'),
  s('icon', 'accepted for compatibility'),
  // The deprecated thresholds (before qualityGates): each adds one gate.
  ...['unstableTotalAll', 'unstableTotalHigh', 'unstableTotalNormal', 'unstableTotalLow', 'unstableNewAll', 'unstableNewHigh', 'unstableNewNormal', 'unstableNewLow',
    'failedTotalAll', 'failedTotalHigh', 'failedTotalNormal', 'failedTotalLow', 'failedNewAll', 'failedNewHigh', 'failedNewNormal', 'failedNewLow']
    .map((x) => a(x, 'deprecated threshold: adds a quality gate')),
];

const scanParams: StepParam[] = [
  s('sourceCodeEncoding', 'encoding of source files (accepted; Kiln does not copy sources)'),
  s('sourceDirectory', 'accepted for compatibility'), a('sourceDirectories', 'accepted for compatibility'),
  b('skipBlames', 'accepted (Kiln does not blame)'), b('blameDisabled', 'accepted'), b('forensicsDisabled', 'accepted'),
  b('skipPostProcessing', 'accepted'), b('skipDeltaCalculation', 'accepted'),
  a('filters', "[includeFile('src/.*'), excludeType('MagicNumber'), ...]: Java regexes over the issues' properties"),
  a('scm', 'accepted for compatibility'),
  s('sourceCodeRetention', 'accepted (Kiln keeps no source files)'),
];

export const warningsPlugin: PipelinePlugin = {
  name: 'warnings',
  doc: 'Warnings Next Generation: recordIssues, scanForIssues, publishIssues and their tools; discoverGitReferenceBuild (Git Forensics)',
  steps: [
    {
      name: 'recordIssues',
      doc: "Parse static analysis reports, record the issues (new / fixed / outstanding) and apply quality gates: recordIssues(tools: [java(), checkStyle()], qualityGates: [[threshold: 1, type: 'TOTAL', unstable: true]]).",
      params: [
        a('tools', 'the tools: [java(), checkStyle(pattern: ...)]'),
        a('tool', 'one tool'),
        b('enabledForFailure', 'record even when the build has failed'),
        b('aggregatingResults', 'one result for all tools (id analysis) instead of one per tool'),
        ...scanParams,
        ...gateParams,
      ],
      block: 'none',
      needsNode: true,
    },
    {
      name: 'scanForIssues',
      doc: 'Parse one tool\'s reports and return them for publishIssues: def r = scanForIssues tool: checkStyle().',
      params: [a('tool', 'the tool'), ...scanParams],
      block: 'none',
      needsNode: true,
    },
    {
      name: 'publishIssues',
      doc: 'Record the issues scanForIssues returned and apply quality gates: publishIssues issues: [r1, r2].',
      params: [a('issues', 'results of scanForIssues'), ...gateParams, s('sourceCodeEncoding', 'accepted'), a('sourceDirectories', 'accepted'), s('sourceDirectory', 'accepted')],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'discoverGitReferenceBuild',
      doc: "Git Forensics: take the reference build for new/fixed issues from another job: discoverGitReferenceBuild(referenceJob: 'app/main').",
      params: [
        s('referenceJob', "the job (full name) whose last finished build is the reference (default: this job's previous build)"),
        s('targetBranch', 'accepted for compatibility'), n('maxCommits', 'accepted for compatibility'),
        b('skipUnknownCommits', 'accepted'), b('latestBuildIfNotFound', 'accepted'), s('requiredResult', "accepted ('UNSTABLE')"),
        s('scm', 'accepted for compatibility'),
      ],
      block: 'none',
      needsNode: false,
    },
    ...TOOLS.filter((t) => t.parser !== 'tasks' && t.symbol).map((t) => symbol(t.symbol, `${t.name} (id ${t.id})${t.pattern ? `, default pattern '${t.pattern}'` : ', the console log when no pattern is given'}`, toolParams)),
    symbol('analysisParser', `Any tool by its analysis-model id, with that tool's id, name and default pattern: analysisParser(analysisModelId: 'shellcheck', pattern: '**/shellcheck.json'). Ids: ${[...new Set(TOOLS.filter((t) => t.parser !== 'tasks' && t.parser !== 'native').map((t) => t.id))].join(', ')}`, toolParams),
    symbol('taskScanner', 'Open tasks in source files (id open-tasks): taskScanner(includePattern: \'**/*.java\', highTags: \'FIXME\', normalTags: \'TODO\')', taskParams),
    ...FILTERS.map((f) => symbol(f, `${f.startsWith('include') ? 'keep only' : 'leave out'} issues whose ${f.replace(/^(include|exclude)/, '').toLowerCase()} matches a Java regex`, [s('pattern', 'a Java regular expression, matching the whole property', true)], 'pattern')),
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
