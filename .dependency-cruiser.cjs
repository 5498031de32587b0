// The import rules of Kiln's source (docs/architecture.md, issue 14), checked by
// test/architecture/imports.test.ts (so by every test run and CI) and by hand with
// `npx depcruise src`. Each rule here holds today; the target rules that do not yet (pipeline
// imports only core and util; agent only protocol, core, util, exec) come with the moves that
// make them hold.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circles, type-only imports included: a circle means a contract lives inside an implementation.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-contracts-only',
      comment: 'src/core holds the contracts every part shares; it imports nothing but itself and node: built-ins.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'util-imports-only-core',
      comment: 'src/util is leaf helpers (globs, cron, process trees): nothing else of src but the contracts.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/(util|core)/' },
    },
    {
      name: 'protocol-imports-no-src',
      comment: 'src/protocol (controller-agent messages) is shared by both sides and depends on neither.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'api-types-import-no-src',
      comment: 'src/api holds the HTTP API types generated from the OpenAPI document (scripts/gen-api-types.ts): the UI and the CLI import them, they import nothing.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/api/' },
    },
    {
      name: 'backends-are-below-the-pipeline',
      comment: 'Backends (tomorrow plugins) see the contracts in src/core, never the pipeline, the controller, the store, the CLI or the agent.',
      severity: 'error',
      from: { path: '^src/backends/' },
      to: { path: '^src/(pipeline|controller|store|cli|agent)/' },
    },
    {
      name: 'pipeline-is-below-the-hosts',
      comment: 'The pipeline never sees who hosts it: no controller, store, CLI or agent.',
      severity: 'error',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/(controller|store|cli|agent)/' },
    },
    {
      name: 'store-is-below-the-controller',
      comment: 'The store keeps state; it does not call the controller, backends, CLI or agent.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(controller|backends|cli|agent)/' },
    },
    {
      name: 'agent-is-not-the-controller',
      comment: 'The agent process never loads the controller, the store, the pipeline or the CLI.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/(controller|store|pipeline|cli)/' },
    },
    {
      name: 'only-the-cli-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'src-imports-no-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves (a typo or a file moved without its importers).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: they are how contracts leak.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^web/' },
  },
};
