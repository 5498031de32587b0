import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/controller/config.ts';
import { tempDir } from '../helpers/tmp.ts';

test('defaults: home under the user, port 8080, loopback only, no executors on the controller', () => {
  const home = tempDir('cfg');
  const c = loadConfig({ flags: { home }, env: {} });
  assert.equal(c.home, home);
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080/');
  assert.equal(c.agentUrl, c.publicUrl);
  assert.equal(c.executors, 0);
  assert.equal(c.databaseUrl, null);
  assert.equal(c.configFile, null);
});

test('flags beat the environment, which beats the config file', () => {
  const home = tempDir('cfg');
  writeFileSync(path.join(home, 'kiln.yaml'), 'port: 9000\nhost: 0.0.0.0\nexecutors: 2\nurl: https://ci.example.com\n');
  const fromFile = loadConfig({ flags: { home }, env: {} });
  assert.deepEqual([fromFile.port, fromFile.host, fromFile.executors, fromFile.publicUrl], [9000, '0.0.0.0', 2, 'https://ci.example.com/']);
  const fromEnv = loadConfig({ flags: { home }, env: { KILN_PORT: '9100', KILN_EXECUTORS: '3' } });
  assert.deepEqual([fromEnv.port, fromEnv.executors], [9100, 3]);
  const fromFlags = loadConfig({ flags: { home, port: '9200' }, env: { KILN_PORT: '9100' } });
  assert.equal(fromFlags.port, 9200);
  assert.equal(fromFlags.configFile, path.join(home, 'kiln.yaml'));
});

test('bad values name the setting and where it came from', () => {
  const home = tempDir('cfg');
  assert.throws(() => loadConfig({ flags: { home, port: 'eighty' }, env: {} }), (e: unknown) => e instanceof ConfigError && e.message === "--port: the port must be a whole number from 0 to 65535, got 'eighty'");
  assert.throws(() => loadConfig({ flags: { home }, env: { KILN_PUBLIC_URL: 'ftp://x' } }), /KILN_PUBLIC_URL: the URL must be http or https/);
  assert.throws(() => loadConfig({ flags: { home }, env: { KILN_DATABASE_URL: 'mysql://x' } }), /only PostgreSQL URLs/);
  writeFileSync(path.join(home, 'kiln.yaml'), 'prot: 1\n');
  assert.throws(() => loadConfig({ flags: { home }, env: {} }), /kiln\.yaml: unknown setting 'prot'/);
  writeFileSync(path.join(home, 'kiln.yaml'), 'port: [1\n');
  assert.throws(() => loadConfig({ flags: { home }, env: {} }), /kiln\.yaml: not valid YAML/);
  assert.throws(() => loadConfig({ flags: { home, config: path.join(home, 'missing.yaml') }, env: {} }), /cannot read the config file/);
});

test('the shared library settings: cache keep and age, local retrievers; bad values name the setting', () => {
  const d = loadConfig({ flags: { home: tempDir('cfg-lib') }, env: {} });
  assert.equal(d.libraryCacheKeep, 5);
  assert.equal(d.libraryCacheMaxAgeDays, null);
  assert.equal(d.libraryRetrieverLocal, false);
  const home = tempDir('cfg-lib2');
  writeFileSync(path.join(home, 'kiln.yaml'), 'libraryCacheKeep: 2\nlibraryCacheMaxAgeDays: 30\nlibraryRetrieverLocal: true\n');
  const f = loadConfig({ flags: { home }, env: {} });
  assert.deepEqual([f.libraryCacheKeep, f.libraryCacheMaxAgeDays, f.libraryRetrieverLocal], [2, 30, true]);
  assert.throws(() => loadConfig({ flags: { home }, env: { KILN_LIBRARY_CACHE_KEEP: '0' } }), (e: Error) => e instanceof ConfigError && /KILN_LIBRARY_CACHE_KEEP: the library checkouts kept per library must be a whole number from 1/.test(e.message));
  assert.throws(() => loadConfig({ flags: { home }, env: { KILN_LIBRARY_RETRIEVER_LOCAL: 'yes' } }), /KILN_LIBRARY_RETRIEVER_LOCAL: libraryRetrieverLocal must be true or false, got 'yes'/);
});
