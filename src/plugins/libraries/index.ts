// The shared libraries plugin (Jenkins' "Pipeline: Groovy Libraries"): what it declares, as data
// that validation and `kiln lint` read without loading anything else:
//   steps   library 'name@ref' (loads a library while the build runs; returns its classes:
//           library('x').com.acme.Foo.new(this); `retriever:` fetches one the Jenkinsfile names,
//           `changelog:` puts its commits in the build's changes or not), libraryResource 'path'
//           (a file of the loaded libraries' resources/, as text or Base64).
//   symbols modernSCM, legacySCM, github: the retriever forms (pipeline/libraries/requests.ts).
// What runs is runtime.ts. Loading `@Library` libraries, vars and classes is the pipeline's own
// (src/pipeline/libraries/); where libraries come from (git, caches, configuration) is the
// hosts' business, reached through BuildServices.libraries (core/libraries.ts LibraryResolver).
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const librariesPlugin: PipelinePlugin = {
  name: 'libraries',
  doc: 'Pipeline: Groovy Libraries: the library and libraryResource steps (vars and classes of shared libraries are loaded by the pipeline)',
  steps: [
    {
      name: 'library',
      doc: "Load a shared library while the build runs and return its classes: def lib = library('mylib@main'); lib.com.acme.Utils.new(this).",
      params: [
        { name: 'identifier', type: 'string', required: true, doc: "the library's name, and a version after '@' (mylib@v2)" },
        { name: 'changelog', type: 'boolean', doc: "whether the library's commits are part of the build's changes (default: the library's includeInChangesets; true for a retriever's)" },
        { name: 'retriever', type: 'any', doc: "where to fetch a library not configured here: modernSCM([$class: 'GitSCMSource', remote: URL, credentialsId: ID]), modernSCM(github(...)), legacySCM(scm) (a version is required)" },
      ],
      positional: 'identifier',
      block: 'none',
      needsNode: false,
      differs: "retriever: git repositories only (GitSCMSource, github, GitSCM, scm); without changelog, a configured library's includeInChangesets decides (Jenkins' step defaults to true)",
    },
    {
      name: 'modernSCM',
      doc: "The library step's retriever from an SCM source: modernSCM([$class: 'GitSCMSource', remote: URL, credentialsId: ID]) or modernSCM(github(repoOwner: 'o', repository: 'r')).",
      params: [{ name: 'scm', type: 'any', required: true, doc: "[$class: 'GitSCMSource', remote: URL, credentialsId: ID] or github(...)" }],
      positional: 'scm', block: 'none', needsNode: false, kind: 'symbol',
    },
    {
      name: 'legacySCM',
      doc: "The library step's retriever from an SCM: legacySCM(scm) (the job's repository) or legacySCM([$class: 'GitSCM', userRemoteConfigs: [[url: URL, credentialsId: ID]]]).",
      params: [{ name: 'scm', type: 'any', required: true, doc: "scm, or [$class: 'GitSCM', userRemoteConfigs: [[url: URL]]]" }],
      positional: 'scm', block: 'none', needsNode: false, kind: 'symbol',
    },
    {
      name: 'github',
      doc: "A GitHub repository as an SCM source, for modernSCM(github(repoOwner: 'o', repository: 'r', credentialsId: ID)): fetched from https://github.com/o/r.git.",
      params: [
        { name: 'repoOwner', type: 'string', doc: 'the owner (user or organisation)' },
        { name: 'repository', type: 'string', doc: 'the repository name' },
        { name: 'credentialsId', type: 'string', doc: 'a username/password or token credential' },
        { name: 'repositoryUrl', type: 'string', doc: 'the repository URL (instead of owner and name)' },
        { name: 'configuredByUrl', type: 'boolean', doc: 'accepted for compatibility' },
        { name: 'traits', type: 'any', doc: 'accepted for compatibility' },
        { name: 'repoUrl', type: 'string', doc: "as the Git plugin's repository browser: scmGit(browser: github('https://github.com/o/r'))" },
      ],
      positional: 'repoUrl', block: 'none', needsNode: false, kind: 'symbol',
    },
    {
      name: 'libraryResource',
      doc: "Read a file of the loaded libraries' resources/ directory: def tpl = libraryResource 'com/acme/template.yaml'.",
      params: [
        { name: 'resource', type: 'string', required: true, doc: 'the path under resources/' },
        { name: 'encoding', type: 'string', doc: 'UTF-8 (default), ISO-8859-1, ..., or Base64 (returns base64 of the bytes)' },
      ],
      positional: 'resource',
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
