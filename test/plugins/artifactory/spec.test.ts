// File Specs as the Artifactory plugin's extractor applies them (src/plugins/artifactory/spec.ts):
// upload targets (flat / recursive defaults, {n} placeholders, a directory target keeping the
// source hierarchy, exclusions, regexp), the download AQL and local paths, and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downloadPlan, downloadQuery, parseSpec, uploadTargets } from '../../../src/plugins/artifactory/spec.ts';

const up = (spec: object) => parseSpec(JSON.stringify({ files: [spec] }), 'upload')[0]!;
const down = (spec: object) => parseSpec(JSON.stringify({ files: [spec] }), 'download')[0]!;
const targets = (files: string[], spec: object) => uploadTargets(files, up(spec), 'files[0]').map((x) => `${x.file} -> ${x.repo}/${x.path}`);

const FILES = ['a.txt', 'target/app-1.0.jar', 'target/sub/lib-2.0.jar', 'target/notes.md', 'docs/x.tmp'];

test('upload: flat and recursive by default; * crosses directories when recursive', () => {
  assert.deepEqual(targets(FILES, { pattern: 'target/*.jar', target: 'libs/app/' }), ['target/app-1.0.jar -> libs/app/app-1.0.jar', 'target/sub/lib-2.0.jar -> libs/app/lib-2.0.jar']);
  assert.deepEqual(targets(FILES, { pattern: 'target/*.jar', target: 'libs/app/', recursive: 'false' }), ['target/app-1.0.jar -> libs/app/app-1.0.jar']);
});

test('upload: flat false keeps the path from the workspace under a directory target', () => {
  assert.deepEqual(targets(FILES, { pattern: 'target/*.jar', target: 'libs/app/', flat: false }), ['target/app-1.0.jar -> libs/app/target/app-1.0.jar', 'target/sub/lib-2.0.jar -> libs/app/target/sub/lib-2.0.jar']);
});

test('upload: {n} placeholders, a file target renames, exclusions, a repository root target, regexp', () => {
  assert.deepEqual(targets(FILES, { pattern: 'target/(*)-(*).jar', target: 'libs/{1}/{2}/{1}.jar', recursive: false }), ['target/app-1.0.jar -> libs/app/1.0/app.jar']);
  assert.deepEqual(targets(FILES, { pattern: '*', target: 'generic', exclusions: ['target/*', '*.tmp'] }), ['a.txt -> generic/a.txt']);
  assert.deepEqual(targets(FILES, { pattern: 'target/.*\\.md', target: 'docs/', regexp: true }), ['target/notes.md -> docs/notes.md']);
});

test('upload: refusals name the field', () => {
  assert.throws(() => targets(FILES, { pattern: '../x/*', target: 'libs/' }), /files\[0\]\.pattern: '\.\.\/x\/\*' leaves the workspace/);
  assert.throws(() => targets(FILES, { pattern: '/etc/*', target: 'libs/' }), /is absolute/);
  assert.throws(() => targets(FILES, { pattern: 'a.txt', target: 'libs/../x/' }), /files\[0\]\.target: 'libs\/\.\.\/x\/a\.txt'|not a path inside the repository/);
  assert.throws(() => targets(FILES, { pattern: 'a.txt', target: 'bad repo/x/' }), /files\[0\]\.target: 'bad repo' is not a repository key/);
  assert.throws(() => parseSpec('{"files": [{"pattern": "a", "target": "r/", "flat": "maybe"}]}', 'upload'), /files\[0\]\.flat: expected true or false/);
  assert.throws(() => parseSpec('{"files": [{"pattern": "a"}]}', 'upload'), /files\[0\]: an upload needs a "target"/);
  assert.throws(() => parseSpec('{"files": []}', 'upload'), /"files" list is empty/);
  assert.throws(() => parseSpec('{"files": [{"pattern": "a", "target": "r/", "archive": "zip"}]}', 'upload'), /files\[0\]\.archive: a File Spec field Kiln does not support/);
  assert.throws(() => parseSpec('{"files": [{"pattern": "a", "target": "r/", "limit": 1}]}', 'upload'), /files\[0\]: sortBy, sortOrder, limit, offset and build are for downloads/);
  assert.equal(parseSpec('{"files": [{"pattern": "a", "target": "r/", "explode": "false", "includeDirs": false}]}', 'upload').length, 1);
  assert.throws(() => parseSpec('{"files": [{"pattern": "a", "target": "r/", "explode": "true"}]}', 'upload'), /files\[0\]\.explode: Kiln does not support this File Spec option \(only false\)/);
});

test('download: the AQL asks for the pattern\'s directory (and below when recursive), props and build', () => {
  const q = downloadQuery(down({ pattern: 'libs/app/*.jar', props: 'team=core' }), 'files[0]');
  const m = /^items\.find\((.*)\)\.include\(/.exec(q)!;
  assert.deepEqual(JSON.parse(m[1]!), { repo: 'libs', $or: [{ $and: [{ path: { $match: 'app' }, name: { $match: '*.jar' } }] }, { $and: [{ path: { $match: 'app/*' }, name: { $match: '*.jar' } }] }], type: 'file', '@team': 'core' });
  assert.match(downloadQuery(down({ pattern: 'libs/*.jar', sortBy: ['created'], sortOrder: 'desc', limit: 1, offset: 2 }), 'files[0]'), /\.include\([^)]*\)\.sort\(\{"\$desc":\["created"\]\}\)\.offset\(2\)\.limit\(1\)$/);
  assert.throws(() => down({ pattern: 'libs/*', limit: -1 }), /files\[0\]\.limit: a whole number, 0 or more/);
  const aql = downloadQuery(down({ aql: { 'items.find': { repo: 'libs', name: { $match: '*.zip' } } } }), 'files[0]');
  assert.equal(aql, 'items.find({"repo":"libs","name":{"$match":"*.zip"}}).include("name","repo","path","actual_md5","actual_sha1","sha256","size","type")');
});

test('download: local paths keep the repository path unless flat; placeholders; an item leaving the workspace is refused', () => {
  const items = [{ repo: 'libs', path: 'app/1.0', name: 'app.jar', type: 'file' }, { repo: 'libs', path: 'other', name: 'x.jar', type: 'file' }, { repo: 'libs', path: 'app', name: 'dir', type: 'folder' }];
  const plan = (spec: object) => downloadPlan(items, down(spec), 'files[0]').map((d) => `${d.full} -> ${d.local}`);
  assert.deepEqual(plan({ pattern: 'libs/app/*.jar', target: 'deps/' }), ['libs/app/1.0/app.jar -> deps/app/1.0/app.jar']);
  assert.deepEqual(plan({ pattern: 'libs/app/*.jar', target: 'deps/', flat: true }), ['libs/app/1.0/app.jar -> deps/app.jar']);
  assert.deepEqual(plan({ pattern: 'libs/app/*.jar', target: 'deps/', recursive: false }), []);
  assert.deepEqual(plan({ pattern: 'libs/(*)/(*).jar', target: 'out/{2}-{1}.jar' }), ['libs/app/1.0/app.jar -> out/app-app/1.0.jar', 'libs/other/x.jar -> out/x-other.jar']);
  assert.throws(() => downloadPlan([{ repo: 'libs', path: '../..', name: 'evil', type: 'file' }], down({ pattern: 'libs/*' }), 'files[0]'), /not a path inside the repository/);
  assert.throws(() => plan({ pattern: 'libs/app/*.jar', target: '../out/' }), /would be written to '\.\.\/out\/app\/1\.0\/app\.jar', outside the workspace/);
});
