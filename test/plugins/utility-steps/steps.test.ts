// The utility steps (src/plugins/utility-steps/) in real pipelines on the local backend, on real
// files: what a Jenkinsfile gets back and prints, round trips (zip then unzip, tar then untar,
// readMavenPom then writeMavenPom, writeCSV then readCSV), archive: true keeping the archive as
// an artifact, and bad input (missing files, corrupt archives, entries leaving the destination,
// paths leaving the workspace) failing with the plugin's messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { Header } from 'tar';
import { runPipeline } from '../../pipeline/engine/harness.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { runOnAgent, startRemoteAgent } from '../../helpers/remote-pipeline.ts';

function scripted(body: string): string {
  return `node {\n${body}\n}\n`;
}

/** A workspace directory with files in it, for the harness. */
function workspace(files: Record<string, string | Buffer>): string {
  const ws = path.join(tempDir('util'), 'ws');
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    writeFileSync(path.join(ws, rel), data);
  }
  mkdirSync(ws, { recursive: true });
  return ws;
}

test('readProperties: defaults, file, text in that order; interpolate; a missing file is a warning', async () => {
  const ws = workspace({ 'build.properties': '# comment\nversion = 1.2\nname:app\npath=${home}/bin\nlong = a, \\\n   b\n' });
  const { state, console } = await runPipeline(scripted(`
  def p = readProperties file: 'build.properties', text: 'name=override', defaults: [home: '/opt', version: '0']
  echo "v=\${p.version} n=\${p.name} path=\${p['path']} long=\${p.long} home=\${p.home}"
  def q = readProperties file: 'build.properties', defaults: [home: '/opt'], interpolate: true
  echo "interpolated=\${q.path}"
  def r = readProperties file: 'nope.properties', text: 'a=1'
  echo "r=\${r}"`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^v=1\.2 n=override path=\$\{home\}\/bin long=a, b home=\/opt$/m);
  assert.match(console, /^Interpolation set to true, starting to parse the variable!$/m);
  assert.match(console, /^interpolated=\/opt\/bin$/m);
  assert.match(console, new RegExp(`^warning: ${ws}/nope.properties does not exist, omitting from properties gathering$`, 'm'));
  assert.match(console, /^r=\[a:1\]$/m);
});

test('findFiles: glob and excludes give file objects with their Groovy properties; without glob, the entries', async () => {
  const ws = workspace({ 'a/x.jar': 'xx', 'a/test/y.jar': 'y', 'b/z.jar': 'zzz', 'top.txt': 't' });
  mkdirSync(path.join(ws, 'emptydir'));
  const { state, console } = await runPipeline(scripted(`
  def jars = findFiles(glob: '**/*.jar', excludes: '**/test/**')
  echo "count=\${jars.size()}"
  for (f in jars) { echo "\${f.name} \${f.path} dir=\${f.directory} len=\${f.length} recent=\${f.lastModified > 1000000000000L} \${f.getName()}" }
  echo "str=\${jars[0]}"
  def all = findFiles()
  echo "entries=\${all.collect { it.name + (it.directory ? '/' : '') }.join(',')}"
  dir('a') { echo "in a: \${findFiles(glob: '*.jar').collect { it.path }}" }
  echo "none=\${findFiles(glob: '**/*.nothing').size()}"`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^count=2$/m);
  assert.match(console, /^x\.jar a\/x\.jar dir=false len=2 recent=true x\.jar$/m);
  assert.match(console, /^z\.jar b\/z\.jar dir=false len=3 recent=true z\.jar$/m);
  assert.match(console, /^str=a\/x\.jar$/m);
  assert.match(console, /^entries=a\/,b\/,emptydir\/,top\.txt$/m);
  assert.match(console, /^in a: \[x\.jar\]$/m);
  assert.match(console, /^none=0$/m);
});

test('sha1 / sha256 / md5 give the digests of sha256sum and friends; touch creates and dates a file', async () => {
  const ws = workspace({ 'app.bin': Buffer.from([0, 1, 2, 255, 10]) });
  const { state, console } = await runPipeline(scripted(`
  echo "sha1=\${sha1 'app.bin'}"
  echo "sha256=\${sha256(file: 'app.bin')}"
  echo "md5=\${md5 file: 'app.bin'}"
  def t = touch file: 'stamps/old', timestamp: 946684800000L
  echo "touched \${t.path} \${t.lastModified} \${t.length}"
  touch 'app.bin'`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  const sum = (tool: string) => execFileSync(tool, [path.join(ws, 'app.bin')], { encoding: 'utf8' }).split(' ')[0];
  assert.match(console, new RegExp(`^sha1=${sum('sha1sum')}$`, 'm'));
  assert.match(console, new RegExp(`^sha256=${sum('sha256sum')}$`, 'm'));
  assert.match(console, new RegExp(`^md5=${sum('md5sum')}$`, 'm'));
  assert.match(console, /^touched stamps\/old 946684800000 0$/m);
  assert.equal(statSync(path.join(ws, 'stamps/old')).mtimeMs, 946684800000);
  assert.deepEqual([...readFileSync(path.join(ws, 'app.bin'))], [0, 1, 2, 255, 10]);
});

test('zip then unzip: the files come back; archive: true keeps the zip; read: true returns texts; test: true checks', async () => {
  const ws = workspace({ 'build/a.txt': 'alpha\n', 'build/sub/b.txt': 'beta\n', 'build/skip.log': 'log', 'build/run.sh': '#!/bin/sh\necho hi\n' });
  const { state, console, h } = await runPipeline(scripted(`
  zip zipFile: 'out/dist.zip', dir: 'build', exclude: '**/*.log', archive: true
  unzip zipFile: 'out/dist.zip', dir: 'unpacked'
  def texts = unzip zipFile: 'out/dist.zip', glob: '**/b.txt', read: true, quiet: true
  echo "read=\${texts}"
  echo "test=\${unzip(zipFile: 'out/dist.zip', test: true)}"
  sh 'sh unpacked/run.sh'`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, new RegExp(`^Compress ${ws}/build filtered by \\[null\\] - \\[\\*\\*/\\*\\.log\\] to ${ws}/out/dist\\.zip$`, 'm'));
  assert.match(console, /^Compressed 3 entries\.$/m);
  assert.match(console, new RegExp(`^Archiving ${ws}/out/dist\\.zip$`, 'm'));
  assert.match(console, new RegExp(`^Extracting from ${ws}/out/dist\\.zip$`, 'm'));
  assert.match(console, new RegExp(`^Extracting: sub/b\\.txt -> ${ws}/unpacked/sub/b\\.txt$`, 'm'));
  assert.match(console, /^Extracted: 3 files$/m);
  assert.doesNotMatch(console, /^Reading: /m); // quiet
  assert.match(console, /^Read: 1 files$/m);
  assert.match(console, /^read=\[sub\/b\.txt:beta\n\]$/m);
  assert.match(console, /^Checking 3 zipped entries in /m);
  assert.match(console, /^test=true$/m);
  assert.match(console, /^hi$/m);
  assert.equal(readFileSync(path.join(ws, 'unpacked/a.txt'), 'utf8'), 'alpha\n');
  assert.equal(readFileSync(path.join(ws, 'unpacked/sub/b.txt'), 'utf8'), 'beta\n');
  assert.equal(existsSync(path.join(ws, 'unpacked/skip.log')), false);
  // the zip is a real zip (unzip -l of Info-ZIP reads it) and was archived as out/dist.zip
  assert.deepEqual([...h.artifacts.keys()], ['out/dist.zip']);
  assert.deepEqual(h.artifacts.get('out/dist.zip'), readFileSync(path.join(ws, 'out/dist.zip')));
  const listing = execFileSync('python3', ['-c', 'import sys,zipfile; print(sorted(zipfile.ZipFile(sys.argv[1]).namelist()))', path.join(ws, 'out/dist.zip')], { encoding: 'utf8' });
  assert.equal(listing.trim(), "['a.txt', 'run.sh', 'sub/b.txt']");
});

test('zip refuses to overwrite unless asked, a missing dir, and paths outside the workspace', async () => {
  const ws = workspace({ 'f.txt': 'x', 'old.zip': 'not yet' });
  const exists = await runPipeline(scripted(`zip zipFile: 'old.zip', glob: '*.txt'`), { workspace: ws });
  assert.equal(exists.state.result, 'FAILURE');
  assert.match(exists.console, new RegExp(`^ERROR: ${ws}/old\\.zip exists\\.`, 'm'));
  const over = await runPipeline(scripted(`zip zipFile: 'old.zip', glob: '*.txt', overwrite: true\necho "\${unzip(zipFile: 'old.zip', read: true)}"`), { workspace: ws });
  assert.equal(over.state.result, 'SUCCESS', over.console);
  assert.match(over.console, /^\[f\.txt:x\]$/m);
  const noDir = await runPipeline(scripted(`zip zipFile: 'a.zip', dir: 'nodir'`), { workspace: ws });
  assert.match(noDir.console, new RegExp(`^ERROR: ${ws}/nodir does not exist\\.`, 'm'));
  const outside = await runPipeline(scripted(`zip zipFile: '../escape.zip'`), { workspace: ws });
  assert.equal(outside.state.result, 'FAILURE');
  assert.match(outside.console, /^ERROR: zip: file '\.\.\/escape\.zip' is outside the workspace /m);
  assert.equal(existsSync(path.join(ws, '../escape.zip')), false);
});

test('unzip: a missing zip, a corrupt zip, a bad CRC and an entry leaving the destination fail clearly; test: true says false', async () => {
  const good = Buffer.from(zipSync({ 'ok.txt': new TextEncoder().encode('fine') }));
  const badCrc = Buffer.from(zipSync({ 'ok.txt': [new TextEncoder().encode('fine'), { level: 0 }] }));
  badCrc[badCrc.indexOf('fine')] = 'F'.charCodeAt(0); // stored data changed: its CRC no longer matches
  const slip = Buffer.from(zipSync({ '../../evil.txt': new TextEncoder().encode('pwned') }));
  const ws = workspace({ 'good.zip': good, 'corrupt.zip': 'this is not a zip at all', 'crc.zip': badCrc, 'slip.zip': slip });
  const run = (s: string) => runPipeline(scripted(s), { workspace: ws });

  const missing = await run(`unzip 'nope.zip'`);
  assert.equal(missing.state.result, 'FAILURE');
  assert.match(missing.console, new RegExp(`^ERROR: ${ws}/nope\\.zip does not exist\\.`, 'm'));

  const corrupt = await run(`unzip 'corrupt.zip'`);
  assert.equal(corrupt.state.result, 'FAILURE');
  assert.match(corrupt.console, /^ERROR: unzip: .*corrupt\.zip is not a valid zip file: zip END header not found/m);

  const crc = await run(`unzip zipFile: 'crc.zip', dir: 'c'`);
  assert.equal(crc.state.result, 'FAILURE');
  assert.match(crc.console, /Checksum error in ok\.txt/);
  assert.equal(existsSync(path.join(ws, 'c/ok.txt')), false);

  const slipped = await run(`unzip zipFile: 'slip.zip', dir: 'x'`);
  assert.equal(slipped.state.result, 'FAILURE');
  assert.match(slipped.console, new RegExp(`^ERROR: ${path.resolve(ws, 'x', '../../evil.txt')} is out of bounds!`, 'm'));
  assert.equal(existsSync(path.resolve(ws, 'x', '../../evil.txt')), false);

  const tests = await run(`
  echo "good=\${unzip(zipFile: 'good.zip', test: true)}"
  echo "corrupt=\${unzip(zipFile: 'corrupt.zip', test: true)}"
  echo "crc=\${unzip(zipFile: 'crc.zip', test: true)}"
  echo "slip=\${unzip(zipFile: 'slip.zip', test: true)}"
  echo "missing=\${unzip(zipFile: 'nope.zip', test: true)}"`);
  assert.equal(tests.state.result, 'SUCCESS', tests.console);
  for (const l of ['good=true', 'corrupt=false', 'crc=false', 'slip=false', 'missing=false']) assert.ok(tests.console.split('\n').includes(l), `${l}\n${tests.console}`);
  assert.match(tests.console, /^ERROR: Error validating zip file: zip END header not found/m);
  assert.match(tests.console, /^ERROR: Checksum error in : .*crc\.zip:ok\.txt$/m);
});

test('tar then untar (gzipped and not, long names, modes kept); GNU tar reads what tar makes; archive: true', async () => {
  const long = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
  const ws = workspace({ 'src/a.txt': 'A', 'src/x.sh': '#!/bin/sh\necho from-tar\n', [`src/${long}`]: 'long' });
  execFileSync('chmod', ['755', path.join(ws, 'src/x.sh')]);
  const { state, console, h } = await runPipeline(scripted(`
  tar file: 'out.tgz', dir: 'src', archive: true
  tar file: 'plain.tar', dir: 'src', glob: '*.txt', compress: false
  untar file: 'out.tgz', dir: 'back'
  untar file: 'plain.tar', dir: 'plain', quiet: true
  echo "test=\${untar(file: 'out.tgz', test: true)}"
  sh './back/x.sh'`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Compressed 3 entries\.$/m);
  assert.match(console, /^Compressed 1 entries\.$/m);
  assert.match(console, /^Extracted: 3 files$/m);
  assert.match(console, /^Extracted: 1 files$/m);
  assert.match(console, /^test=true$/m);
  assert.match(console, /^from-tar$/m);
  assert.equal(readFileSync(path.join(ws, 'back', long), 'utf8'), 'long');
  assert.equal(statSync(path.join(ws, 'back/x.sh')).mode & 0o777, 0o755);
  const listed = execFileSync('tar', ['tzf', path.join(ws, 'out.tgz')], { encoding: 'utf8' }).trim().split('\n').sort();
  assert.deepEqual(listed, ['a.txt', long, 'x.sh'].sort());
  assert.deepEqual([...h.artifacts.keys()], ['out.tgz']);
});

test('untar: entries leaving the destination and links are refused; a corrupt tar fails clearly', async () => {
  const entry = (p: string, body: string, type: 'File' | 'SymbolicLink' = 'File', linkpath?: string) => {
    const hd = new Header({ path: p, mode: 0o644, size: type === 'File' ? body.length : 0, mtime: new Date(), type, ...(linkpath ? { linkpath } : {}) });
    hd.encode();
    const data = Buffer.from(type === 'File' ? body : '');
    return Buffer.concat([hd.block!, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
  };
  const slip = Buffer.concat([entry('../../evil.txt', 'pwned'), Buffer.alloc(1024)]);
  const link = Buffer.concat([entry('ln', '', 'SymbolicLink', '/etc'), entry('ok.txt', 'ok'), Buffer.alloc(1024)]);
  const ws = workspace({ 'slip.tar': slip, 'link.tar': link, 'bad.tgz': Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'junk.tar': 'x'.repeat(2000) });
  const run = (s: string) => runPipeline(scripted(s), { workspace: ws });
  const slipped = await run(`untar file: 'slip.tar', dir: 'x'`);
  assert.equal(slipped.state.result, 'FAILURE');
  assert.match(slipped.console, /evil\.txt is out of bounds!/);
  assert.equal(existsSync(path.resolve(ws, 'x/../../evil.txt')), false);
  const linked = await run(`untar file: 'link.tar', dir: 'l'`);
  assert.equal(linked.state.result, 'SUCCESS', linked.console);
  assert.match(linked.console, /^Skipping link: ln -> \/etc/m);
  assert.equal(existsSync(path.join(ws, 'l/ln')), false);
  assert.equal(readFileSync(path.join(ws, 'l/ok.txt'), 'utf8'), 'ok');
  const bad = await run(`untar 'bad.tgz'`);
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, /^ERROR: untar: .*bad\.tgz is not a valid tar archive: invalid gzip data/m);
  const junk = await run(`echo "junk=\${untar(file: 'junk.tar', test: true)}"`);
  assert.match(junk.console, /^junk=false$/m);
});

test('a symbolic link leading out of the workspace is not packed', async () => {
  const ws = workspace({ 'd/in.txt': 'in' });
  const secret = path.join(tempDir('outside'), 'secret.txt');
  writeFileSync(secret, 'top secret');
  symlinkSync(secret, path.join(ws, 'd/leak.txt'));
  const { state, console } = await runPipeline(scripted(`zip zipFile: 'd.zip', dir: 'd'`), { workspace: ws });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /zip: cannot read .*leak\.txt: .*outside the workspace/);
  assert.equal(existsSync(path.join(ws, 'd.zip')), false);
});

test('readMavenPom: the model getters; changed and written back by writeMavenPom, other elements kept', async () => {
  const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent><groupId>org.acme</groupId><artifactId>parent</artifactId><version>2</version></parent>
  <artifactId>app</artifactId>
  <version>1.0.0-SNAPSHOT</version>
  <packaging>jar</packaging>
  <properties><java.version>17</java.version><rev>01.10</rev></properties>
  <modules><module>core</module><module>web</module></modules>
  <dependencies>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope>
      <exclusions><exclusion><groupId>x</groupId><artifactId>y</artifactId></exclusion></exclusions></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.9</version></dependency>
  </dependencies>
  <build><plugins><plugin><artifactId>maven-jar-plugin</artifactId></plugin></plugins></build>
</project>
`;
  const ws = workspace({ 'pom.xml': pom });
  const { state, console } = await runPipeline(scripted(`
  def pom = readMavenPom()
  echo "gav=\${pom.groupId}:\${pom.artifactId}:\${pom.version}:\${pom.packaging} parent=\${pom.parent.groupId}:\${pom.getParent().getArtifactId()}"
  echo "props=\${pom.properties['java.version']} rev=\${pom.properties.rev} modules=\${pom.modules}"
  pom.dependencies.each { d -> echo "dep \${d.groupId}:\${d.artifactId}:\${d.version}:\${d.scope}" }
  pom.version = '1.0.0'
  pom.setPackaging('war')
  pom.properties['java.version'] = '21'
  pom.dependencies[1].version = '2.0.10'
  writeMavenPom model: pom, file: 'out/pom.xml'
  def again = readMavenPom file: 'out/pom.xml'
  echo "again=\${again.version} \${again.packaging} \${again.properties['java.version']} \${again.dependencies[1].version} \${again.modules.size()}"`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^gav=null:app:1\.0\.0-SNAPSHOT:jar parent=org\.acme:parent$/m);
  assert.match(console, /^props=17 rev=01\.10 modules=\[core, web\]$/m);
  assert.match(console, /^dep junit:junit:4\.13\.2:test$/m);
  assert.match(console, /^dep org\.slf4j:slf4j-api:2\.0\.9:null$/m);
  assert.match(console, /^again=1\.0\.0 war 21 2\.0\.10 2$/m);
  const written = readFileSync(path.join(ws, 'out/pom.xml'), 'utf8');
  assert.match(written, /<exclusion>\s*<groupId>x<\/groupId>/);
  assert.match(written, /<artifactId>maven-jar-plugin<\/artifactId>/);
  assert.match(written, /<project xmlns="http:\/\/maven\.apache\.org\/POM\/4\.0\.0">/);
  // the real Maven reads what was written, when it is installed; python's XML parser always does
  execFileSync('python3', ['-c', 'import sys,xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])', path.join(ws, 'out/pom.xml')]);
});

test('readMavenPom: a missing pom, bad XML, not a pom, a DOCTYPE', async () => {
  const ws = workspace({ 'bad.xml': '<project><unclosed></project>', 'other.xml': '<settings/>', 'dt.xml': '<!DOCTYPE x [<!ENTITY a "b">]><project/>' });
  const run = (s: string) => runPipeline(scripted(s), { workspace: ws });
  assert.match((await run(`readMavenPom()`)).console, new RegExp(`^ERROR: readMavenPom: ${ws}/pom\\.xml does not exist\\.`, 'm'));
  assert.match((await run(`readMavenPom file: 'bad.xml'`)).console, /^ERROR: readMavenPom: .*bad\.xml is not valid XML/m);
  assert.match((await run(`readMavenPom file: 'other.xml'`)).console, /is not a Maven pom/);
  assert.match((await run(`readMavenPom file: 'dt.xml'`)).console, /has a DOCTYPE/);
});

test('readCSV / writeCSV round trip with quoting; records have get(i) and size(); format is refused', async () => {
  const ws = workspace({ 'in.csv': 'name,comment\nann,"hello, world"\nbob,"say ""hi"""\n' });
  const { state, console } = await runPipeline(scripted(`
  def rows = readCSV file: 'in.csv'
  echo "rows=\${rows.size()} first=\${rows[1].get(1)} size=\${rows[1].size()} q=\${rows[2][1]}"
  writeCSV file: 'out.csv', records: [['a', 'b,c'], ['1', 'x"y'], [2, null]]
  def back = readCSV text: readFile('out.csv')
  echo "back=\${back}"`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^rows=3 first=hello, world size=2 q=say "hi"$/m);
  assert.equal(readFileSync(path.join(ws, 'out.csv'), 'utf8'), 'a,"b,c"\r\n1,"x""y"\r\n2,\r\n');
  assert.match(console, /^back=\[\[a, b,c\], \[1, x"y\], \[2, \]\]$/m);
  const missing = await runPipeline(scripted(`echo "none=\${readCSV(file: 'nope.csv')}"`), { workspace: ws });
  assert.match(missing.console, /^readCSV: .*nope\.csv does not exist; no records$/m);
  assert.match(missing.console, /^none=\[\]$/m);
  const fmt = await runPipeline(scripted(`readCSV text: 'a', format: 'x'`), { workspace: ws });
  assert.match(fmt.console, /format \(a Java CSVFormat\) is not supported by Kiln/);
});

test('readManifest from a MANIFEST.MF and from a jar', async () => {
  const mf = 'Manifest-Version: 1.0\r\nImplementation-Version: 3.1\r\nClass-Path: a.jar b.ja\r\n r\r\n\r\nName: com/acme/\r\nSealed: true\r\n';
  const jar = Buffer.from(zipSync({ 'META-INF/MANIFEST.MF': new TextEncoder().encode(mf), 'A.class': new Uint8Array([1]) }));
  const ws = workspace({ 'MANIFEST.MF': mf, 'app.jar': jar });
  const { state, console } = await runPipeline(scripted(`
  def m = readManifest file: 'MANIFEST.MF'
  echo "v=\${m.main['Implementation-Version']} cp=\${m.main['Class-Path']} sealed=\${m.entries['com/acme/']['Sealed']}"
  echo "jar=\${readManifest(file: 'app.jar').main['Implementation-Version']}"`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^v=3\.1 cp=a\.jar b\.jar sealed=true$/m);
  assert.match(console, /^jar=3\.1$/m);
});

test('on a remote agent: findFiles, touch, sha256, zip / unzip and tar / untar work on the agent\'s files', async () => {
  const remote = await startRemoteAgent('util-remote');
  try {
    const { state, console, workspace, artifacts } = await runOnAgent(remote, scripted(`
  writeFile file: 'src/a.txt', text: 'remote-a'
  writeFile file: 'src/deep/b.txt', text: 'remote-b'
  def t = touch file: 'src/stamp', timestamp: 1000000000000L
  echo "stamp=\${t.lastModified} on=\${env.NODE_NAME}"
  echo "files=\${findFiles(glob: 'src/**').collect { it.path + ':' + it.length }}"
  echo "sha=\${sha256 'src/a.txt'}"
  zip zipFile: 'r.zip', dir: 'src', archive: true
  unzip zipFile: 'r.zip', dir: 'back', quiet: true
  tar file: 'r.tgz', dir: 'src'
  untar file: 'r.tgz', dir: 'tback', quiet: true
  echo "back=\${readFile 'back/deep/b.txt'} tback=\${readFile 'tback/a.txt'}"`));
    assert.equal(state.result, 'SUCCESS', console);
    assert.match(console, /^stamp=1000000000000 on=util-remote$/m);
    assert.match(console, /^files=\[src\/a\.txt:8, src\/deep\/b\.txt:8, src\/stamp:0\]$/m);
    assert.match(console, new RegExp(`^sha=${execFileSync('sha256sum', [path.join(workspace, 'src/a.txt')], { encoding: 'utf8' }).split(' ')[0]}$`, 'm'));
    assert.match(console, /^back=remote-b tback=remote-a$/m);
    assert.deepEqual([...artifacts.keys()], ['r.zip']);
  } finally {
    await remote.close();
  }
});

test('unzip: an entry inflating past its declared size stops there (a zip bomb), and dir may not leave the workspace', async () => {
  const bomb = Buffer.from(zipSync({ 'big.txt': new Uint8Array(1_000_000).fill(97) }));
  const cd = bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  bomb.writeUInt32LE(10, cd + 24); // the central directory claims 10 bytes
  const ws = workspace({ 'bomb.zip': bomb, 'ok.zip': Buffer.from(zipSync({ 'a.txt': new TextEncoder().encode('a') })) });
  const b = await runPipeline(scripted(`unzip zipFile: 'bomb.zip', dir: 'b'`), { workspace: ws });
  assert.equal(b.state.result, 'FAILURE', b.console);
  assert.match(b.console, /^ERROR: unzip: .*bomb\.zip: big\.txt: inflates to more than its declared size/m);
  assert.equal(existsSync(path.join(ws, 'b/big.txt')), false);
  const out = await runPipeline(scripted(`unzip zipFile: 'ok.zip', dir: '../elsewhere'`), { workspace: ws });
  assert.equal(out.state.result, 'FAILURE');
  assert.match(out.console, /^ERROR: unzip: dir '\.\.\/elsewhere' is outside the workspace /m);
  assert.equal(existsSync(path.join(ws, '../elsewhere')), false);
});

test('verifySha256 / verifySha1 / verifyMd5 pass on the right digest and fail with the plugin\'s message; prependToFile', async () => {
  const ws = workspace({ 'f.txt': 'abc', 'notes.txt': 'old\n' });
  const sha256 = execFileSync('sha256sum', [path.join(ws, 'f.txt')], { encoding: 'utf8' }).split(' ')[0]!;
  const ok = await runPipeline(scripted(`
  verifySha256 file: 'f.txt', hash: '${sha256.toUpperCase()}'
  verifySha1 file: 'f.txt', hash: 'a9993e364706816aba3e25717850c26c9cd0d89d'
  verifyMd5 file: 'f.txt', hash: '900150983cd24fb0d6963f7d28e17f72'
  def w = prependToFile file: 'notes.txt', content: 'new\\n'
  prependToFile file: 'fresh/list.txt', content: 'first'
  echo "prepended \${w.path} \${w.length}"`), { workspace: ws });
  assert.equal(ok.state.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /^prepended notes\.txt 8$/m);
  assert.equal(readFileSync(path.join(ws, 'notes.txt'), 'utf8'), 'new\nold\n');
  assert.equal(readFileSync(path.join(ws, 'fresh/list.txt'), 'utf8'), 'first');
  const bad = await runPipeline(scripted(`verifySha256 file: 'f.txt', hash: 'deadbeef'`), { workspace: ws });
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, new RegExp(`^ERROR: SHA-256 hash mismatch: expected: 'deadbeef', actual: '${sha256}'`, 'm'));
  const missing = await runPipeline(scripted(`verifyMd5 file: 'gone.txt', hash: 'x'`), { workspace: ws });
  assert.match(missing.console, /^ERROR: File not found: gone\.txt/m);
});
