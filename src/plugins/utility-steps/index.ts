// The Pipeline Utility Steps plugin (Jenkins' pipeline-utility-steps): file and data steps,
// declared as data that validation and `kiln lint` read without loading anything else.
// readJSON, readYaml, writeJSON and writeYaml of the same Jenkins plugin are core steps of Kiln
// (src/pipeline/steps/); the rest is here. What runs is runtime.ts, loaded the first time a
// build uses one of them: fs.ts (findFiles, hashes and their verify steps, touch,
// prependToFile), properties.ts (readProperties), maven.ts (readMavenPom, writeMavenPom),
// archives.ts (zip, unzip, tar, untar), csv-manifest.ts (readCSV, writeCSV, readManifest),
// versions.ts (compareVersions). Every file is reached through the Workspace (so on agents and
// in containers too), and paths leaving the workspace are refused. readProperties, readCSV and
// readManifest need no node when given only `text`; compareVersions never does.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const p = (name: string, type: StepParam['type'], doc: string, required = false): StepParam => ({ name, type, doc, ...(required ? { required } : {}) });

const fileStep = (name: string, doc: string, params: StepParam[], positional?: string, needsNode = true): StepDecl => ({
  name, doc, params, block: 'none', needsNode, ...(positional ? { positional } : {}),
});

const hash = (name: string, algo: string): StepDecl => fileStep(name, `The ${algo} of a file of the workspace, in hex: ${name} 'app.jar'.`, [p('file', 'string', 'the file', true)], 'file');

const steps: StepDecl[] = [
  fileStep('readProperties', "Read Java .properties into a map: readProperties file: 'build.properties', defaults: [a: '1'], interpolate: true.", [
    p('file', 'string', 'a file of the workspace (a missing one is a warning)'),
    p('text', 'string', 'properties text, read after the file'),
    p('defaults', 'map', 'values the file and text override'),
    p('interpolate', 'boolean', 'replace ${key} by the value of key (default false)'),
    p('charset', 'string', 'accepted; files are read as UTF-8'),
  ], undefined, false),
  fileStep('findFiles', "Files of the current directory: findFiles(glob: '**/*.jar', excludes: '**/test/**'); without glob, its entries. Each has name, path, directory, length, lastModified.", [
    p('glob', 'string', 'Ant pattern(s), comma-separated'),
    p('excludes', 'string', 'Ant patterns to leave out'),
  ]),
  fileStep('readMavenPom', "Read a pom.xml into a Model: readMavenPom(file: 'pom.xml').version.", [p('file', 'string', 'the pom (default pom.xml)')]),
  fileStep('writeMavenPom', "Write a Model read by readMavenPom: writeMavenPom model: pom, file: 'pom.xml'.", [
    p('model', 'any', 'the Model', true),
    p('file', 'string', 'where (default pom.xml)'),
  ], 'model'),
  fileStep('zip', "Make a zip of files of the workspace: zip zipFile: 'dist.zip', dir: 'build', glob: '**/*.js', archive: true.", [
    p('zipFile', 'string', 'the zip to make', true),
    p('dir', 'string', 'the directory to pack (default the current one)'),
    p('glob', 'string', 'Ant pattern(s) of the files to pack (default all)'),
    p('exclude', 'string', 'Ant patterns to leave out'),
    p('archive', 'boolean', "also keep the zip as the build's artifact (default false)"),
    p('overwrite', 'boolean', 'replace an existing zip (default false: an error)'),
  ], 'zipFile'),
  fileStep('unzip', "Unpack a zip: unzip zipFile: 'in.zip', dir: 'out'; read: true returns [name: text]; test: true returns whether it is sound.", [
    p('zipFile', 'string', 'the zip', true),
    p('dir', 'string', 'where to unpack (default the current directory)'),
    p('glob', 'string', 'Ant pattern(s) of the entries to take'),
    p('test', 'boolean', 'only check the zip (CRCs, paths) and return true or false'),
    p('read', 'boolean', 'return the entries as a map of texts instead of writing them'),
    p('quiet', 'boolean', 'do not print each entry'),
    p('charset', 'string', 'accepted; names are read as the zip marks them (UTF-8 or CP437)'),
  ], 'zipFile'),
  fileStep('tar', "Make a tar (gzipped by default) of files of the workspace: tar file: 'dist.tgz', dir: 'build', archive: true.", [
    p('file', 'string', 'the tar to make', true),
    p('dir', 'string', 'the directory to pack (default the current one)'),
    p('glob', 'string', 'Ant pattern(s) of the files to pack (default all)'),
    p('exclude', 'string', 'Ant patterns to leave out'),
    p('compress', 'boolean', 'gzip it (default true)'),
    p('archive', 'boolean', "also keep it as the build's artifact (default false)"),
    p('overwrite', 'boolean', 'replace an existing file (default false: an error)'),
  ], 'file'),
  fileStep('untar', "Unpack a tar or tgz: untar file: 'in.tgz', dir: 'out'; test: true returns whether it is sound.", [
    p('file', 'string', 'the tar (gzipped or not)', true),
    p('dir', 'string', 'where to unpack (default the current directory)'),
    p('glob', 'string', 'Ant pattern(s) of the entries to take'),
    p('test', 'boolean', 'only check it and return true or false'),
    p('quiet', 'boolean', 'do not print each entry'),
    p('keepPermissions', 'boolean', "give files their modes from the tar (default true)"),
  ], 'file'),
  fileStep('readCSV', "Read CSV into a list of records (lists of strings): readCSV(file: 'in.csv')[0][1].", [
    p('file', 'string', 'a file of the workspace'),
    p('text', 'string', 'the CSV itself'),
    p('format', 'any', 'a Java CSVFormat: not supported by Kiln (an error)'),
  ], undefined, false),
  fileStep('writeCSV', "Write records (lists of values) as CSV: writeCSV file: 'out.csv', records: [['a', 'b'], [1, 2]].", [
    p('file', 'string', 'the file to write', true),
    p('records', 'list', 'the records', true),
    p('format', 'any', 'a Java CSVFormat: not supported by Kiln (an error)'),
  ]),
  hash('sha1', 'SHA-1'),
  hash('sha256', 'SHA-256'),
  hash('md5', 'MD5'),
  ...(['Sha1:SHA-1', 'Sha256:SHA-256', 'Md5:MD5'].map((x) => {
    const [n, algo] = x.split(':') as [string, string];
    return fileStep(`verify${n}`, `Fail unless a file's ${algo} is this one: verify${n} file: 'app.jar', hash: '...'.`, [p('file', 'string', 'the file', true), p('hash', 'string', 'the expected digest, in hex', true)]);
  })),
  fileStep('prependToFile', "Put text at the start of a file, creating it when missing: prependToFile file: 'CHANGES', content: 'v2\\n'.", [
    p('file', 'string', 'the file', true),
    p('content', 'string', 'the text to put first', true),
  ]),
  fileStep('touch', "Create a file if missing and set its modification time: touch file: 'stamp', timestamp: 0 (ms; default now).", [
    p('file', 'string', 'the file', true),
    p('timestamp', 'integer', 'milliseconds since the epoch (default now)'),
  ], 'file'),
  {
    name: 'compareVersions',
    doc: "Compare two versions as Jenkins' VersionNumber does: compareVersions(v1: '1.10', v2: '1.9') > 0.",
    params: [p('v1', 'string', 'a version'), p('v2', 'string', 'another version')],
    block: 'none',
    needsNode: false,
  },
  fileStep('readManifest', "Read a JAR manifest (a MANIFEST.MF, or a jar/war/ear holding one): readManifest(file: 'app.jar').main['Implementation-Version'].", [
    p('file', 'string', 'a manifest, or a jar/war/ear'),
    p('text', 'string', 'the manifest itself'),
  ], undefined, false),
];

export const utilityStepsPlugin: PipelinePlugin = {
  name: 'utility-steps',
  doc: 'Pipeline Utility Steps: readProperties, findFiles, readMavenPom/writeMavenPom, zip/unzip, tar/untar, readCSV/writeCSV, sha1/sha256/md5 (and verify*), touch, prependToFile, readManifest, compareVersions',
  steps,
  runtime: async () => (await import('./runtime.ts')).default,
};
