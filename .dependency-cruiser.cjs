// The import rules of Kiln's source (docs/architecture.md, issue 14), checked by
// test/architecture/imports.test.ts (so by every test run and CI) and by hand with
// `npx depcruise src`. Each rule here holds today; the target rule that does not yet (agent
// only protocol, core, util, exec) comes with the move that makes it hold. That `kiln lint`
// loads no runtime is checked at run time by test/architecture/lint-loads.test.ts.
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
      name: 'backends-are-below-the-pipeline',
      comment: 'What is left of src/backends (the local machinery) sees the contracts in src/core, never the pipeline, the plugins, the controller, the store, the CLI or the agent.',
      severity: 'error',
      from: { path: '^src/backends/' },
      to: { path: '^src/(pipeline|plugins|controller|store|cli|agent)/' },
    },
    {
      name: 'pipeline-imports-only-core-and-util',
      comment: 'The pipeline (syntax, model, script, engine, core steps) imports only src/core and src/util: it knows no plugin (hosts pass it a step registry built from their plugin list), no backend, no host. One exception: the Workspace stream helpers of src/backends/stream.ts (collect.ts, unstash.ts), which the exec move relocates.',
      severity: 'error',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/', pathNot: ['^src/(pipeline|core|util)/', '^src/backends/stream\\.ts$'] },
    },
    {
      name: 'plugins-are-below-the-hosts',
      comment: 'A plugin (src/plugins/<name>/) sees the contracts, the pipeline and the local machinery, never the controller, the store, the CLI or the agent: hosts give it what it needs (core/plugin.ts ProvisionerHost).',
      severity: 'error',
      from: { path: '^src/plugins/' },
      to: { path: '^src/(controller|store|cli|agent)/' },
    },
    {
      name: 'a-plugin-is-one-folder',
      comment: 'A plugin imports no other plugin: adding or removing one is its folder and its entry in src/plugins/index.ts.',
      severity: 'error',
      from: { path: '^src/plugins/([^/]+)/' },
      to: { path: '^src/plugins/', pathNot: '^src/plugins/$1/' },
    },
    {
      name: 'store-is-below-the-controller',
      comment: 'The store keeps state; it does not call the controller, backends, plugins, CLI or agent.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(controller|backends|plugins|cli|agent)/' },
    },
    {
      name: 'agent-is-not-the-controller',
      comment: 'The agent process never loads the controller, the store, the pipeline, the plugins or the CLI.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/(controller|store|pipeline|plugins|cli)/' },
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
