// The import rules of Kiln's source (docs/architecture.md, issue 14), checked by
// test/architecture/imports.test.ts (so by every test run and CI) and by hand with
// `npx depcruise src`. Every target rule of the issue holds and is checked here; that `kiln lint`
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
      comment: 'src/util is leaf helpers (globs, cron, files in chunks): nothing else of src but the contracts.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/(util|core)/' },
    },
    {
      name: 'exec-imports-only-core-util',
      comment: 'src/exec is the local process machinery (local workspace, process trees, the container step runner) shared by the agent, the controller and `kiln run`: it sees only the contracts and the leaf helpers.',
      severity: 'error',
      from: { path: '^src/exec/' },
      to: { path: '^src/', pathNot: '^src/(exec|core|util)/' },
    },
    {
      name: 'protocol-imports-only-core',
      comment: 'src/protocol (controller-agent messages) is shared by both sides and depends on neither: it sees only itself and the contracts of src/core (ProtocolViolation extends KilnError).',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/(protocol|core)/' },
    },
    {
      name: 'api-types-import-no-src',
      comment: 'src/api holds the HTTP API types generated from the OpenAPI document (scripts/gen-api-types.ts): the UI and the CLI import them, they import nothing.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/api/' },
    },
    {
      name: 'pipeline-imports-only-core-and-util',
      comment: 'The pipeline (syntax, model, script, engine, core steps) imports only src/core and src/util: it knows no plugin (hosts pass it a step registry built from their plugin list), no backend, no host.',
      severity: 'error',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/', pathNot: '^src/(pipeline|core|util)/' },
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
      name: 'hosts-reach-plugins-through-the-list',
      comment: 'Nothing outside src/plugins imports a plugin folder: the hosts (controller, CLI) read the plugin list (src/plugins/index.ts) and compose the provisioner router (src/plugins/router.ts), so adding or removing a plugin changes no host.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/plugins/' },
      to: { path: '^src/plugins/[^/]+/' },
    },
    {
      name: 'store-is-below-the-controller',
      comment: 'The store keeps state; it does not call the controller, plugins, process machinery, CLI or agent.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(controller|plugins|exec|cli|agent)/' },
    },
    {
      name: 'agent-is-not-the-controller',
      comment: 'The agent process never loads the controller, the store, the pipeline, the plugins or the CLI.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/(controller|store|pipeline|plugins|cli)/' },
    },
    {
      name: 'agent-imports-only-agent-protocol-core-util-exec',
      comment: 'The agent runs on build hosts from a small bundle: its own code, the protocol, the contracts, the leaf helpers and the process machinery, nothing of the plugins or the controller.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/', pathNot: '^src/(agent|protocol|core|util|exec)/' },
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
