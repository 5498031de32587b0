// The libraries plugin's steps (declared in index.ts).
//   library          resolves the library through BuildServices.libraries (the host's resolver),
//                    with the retriever and changelog it was given, and loads it into the build's LibrarySpace (its vars become callable, its
//                    classes reachable through the returned object).
//   libraryResource  reads resources/PATH from the libraries this build loaded, first found in
//                    loading order (as Jenkins' ResourceStep), decoded as asked.
import type { PluginRuntime } from '../../pipeline/plugin.ts';
import { KilnError, StepFailure } from '../../core/errors.ts';
import { buildLibraries } from '../../pipeline/libraries/runtime.ts';
import { retrieverOfValue, splitLibrarySpec } from '../../pipeline/libraries/requests.ts';
import type { LibraryRequest } from '../../core/libraries.ts';
import { decode } from '../../pipeline/steps/files.ts';

const runtime: PluginRuntime = {
  steps: {
    library: async (ctx, args) => {
      const spec = String(args.values.identifier ?? '').trim();
      const { name, version } = splitLibrarySpec(spec);
      if (name === '') throw new StepFailure("library: expected a library name: library 'name@version'");
      const resolver = ctx.build.services.libraries;
      if (!resolver) throw new StepFailure(`library: cannot load ${spec}: no shared libraries are configured here (kiln run: --library ${name}=URL_OR_PATH)`);
      const space = buildLibraries(ctx.build.scope);
      if (!space) throw new StepFailure('library: this build cannot load shared libraries');
      const loaded = space.loadedObject(name, ctx.dyn);
      if (loaded) return loaded;
      const req: LibraryRequest = { name, version, how: 'step' };
      const r = args.values.retriever;
      if (r !== undefined && r !== null) {
        const got = retrieverOfValue(r);
        if ('problem' in got) throw new StepFailure(`library: ${got.problem}`);
        if (version === null) throw new StepFailure(`Must specify a version for library ${name}`);
        req.retriever = got.retriever;
      }
      const cl = args.values.changelog;
      if (typeof cl === 'boolean') req.changelog = cl;
      let content;
      try {
        content = await resolver.resolve(req);
      } catch (err) {
        if (err instanceof KilnError) throw new StepFailure(`library: ${err.message}`, { cause: err });
        throw err;
      }
      return space.load(content, ctx.dyn);
    },
    libraryResource: async (ctx, args) => {
      const path = String(args.values.resource ?? '');
      // refused here too, whatever the host's reader does: a resource is a path under resources/
      if (path === '' || path.startsWith('/') || path.includes('\\') || path.split('/').some((x) => x === '..') || path.includes('\0')) {
        throw new StepFailure(`libraryResource: '${path}' is not a path under the library's resources/ directory`);
      }
      const space = buildLibraries(ctx.build.scope);
      let found = null;
      try {
        found = space ? await space.resource(path) : null;
      } catch (err) {
        throw new StepFailure(`libraryResource: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!found) {
        const loaded = space?.loaded() ?? [];
        // Jenkins' sentence, then where Kiln looked
        throw new StepFailure(`No such library resource ${path} could be found. ${loaded.length === 0 ? 'This build loaded no shared library.' : `Libraries searched: ${loaded.map((l) => `${l.name}@${l.version}`).join(', ')}.`}`);
      }
      const enc = args.values.encoding;
      return decode(Buffer.from(found.data.buffer, found.data.byteOffset, found.data.byteLength), typeof enc === 'string' ? enc : undefined, 'libraryResource');
    },
  },
};

export default runtime;
