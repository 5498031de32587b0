// The shared libraries plugin (Jenkins' "Pipeline: Groovy Libraries"): what it declares, as data
// that validation and `kiln lint` read without loading anything else:
//   steps   library 'name@ref' (loads a library while the build runs; returns its classes:
//           library('x').com.acme.Foo.new(this)), libraryResource 'path' (a file of the loaded
//           libraries' resources/, as text or Base64).
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
        { name: 'changelog', type: 'boolean', doc: "whether the library's changes are part of the build's changes (accepted; the library's configuration decides)" },
      ],
      positional: 'identifier',
      block: 'none',
      needsNode: false,
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
