// What the build-tool and report plugins keep (migration 14) on both stores: coverage results (one
// per id of a build, a second refused, removed with the build), a build's HTML reports (replaced
// by name, dropped), and managed config files (ids checked, content bounded, updated in place).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, freshStore, rejectsWith } from './helpers.ts';
import type { CoverageRecord } from '../../src/core/buildtools.ts';

const def = { kind: 'inline', script: 'pipeline {}' } as const;

const cov = (id: string): CoverageRecord => ({
  id, name: 'Code Coverage', parsers: ['JACOCO'], reports: ['target/site/jacoco/jacoco.xml'],
  metrics: [{ metric: 'LINE', covered: 3, missed: 1 }], files: [{ path: 'a/Ä.java', covered: 3, missed: 1 }], qualityGate: 'PASSED', gates: [], errors: [],
});

for (const kind of KINDS) {
  describe(`build tools (${kind})`, () => {
    it('coverage results: one per id, a second refused, gone with the build', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'j', definition: def });
      const b = await s.builds.create('j');
      await s.buildTools.addCoverage(b.id, cov('coverage'));
      await s.buildTools.addCoverage(b.id, cov('jacoco'));
      await rejectsWith(s.buildTools.addCoverage(b.id, cov('coverage')), 'conflict', /already has a coverage result with id coverage/);
      await rejectsWith(s.buildTools.addCoverage(b.id, { ...cov('x'), qualityGate: 'MAYBE' as never }), 'invalid', /quality gate status 'MAYBE'/);
      assert.deepEqual((await s.buildTools.listCoverage(b.id)).map((r) => [r.id, r.files[0]!.path]), [['coverage', 'a/Ä.java'], ['jacoco', 'a/Ä.java']]);
      await s.buildTools.putHtmlReport(b.id, { name: 'Site', dir: 'htmlreports/Site', files: ['index.html'], keepAll: true, alwaysLinkToLastBuild: false });
      await s.buildTools.putHtmlReport(b.id, { name: 'Site', dir: 'htmlreports/Site', files: ['main.html'], keepAll: false, alwaysLinkToLastBuild: true });
      assert.deepEqual(await s.buildTools.listHtmlReports(b.id), [{ name: 'Site', dir: 'htmlreports/Site', files: ['main.html'], keepAll: false, alwaysLinkToLastBuild: true }]);
      await s.jobs.delete('j');
      assert.deepEqual(await s.buildTools.listCoverage(b.id), []);
      assert.deepEqual(await s.buildTools.listHtmlReports(b.id), []);
      await s.close();
    });

    it('managed config files: created, replaced, listed, deleted; bad ids and oversized content refused', async () => {
      const s = await freshStore(kind);
      const f = { id: 'maven-settings', name: 'Maven', type: 'maven-settings', comment: '', content: '<settings/>' };
      await s.buildTools.putConfigFile(f, 'root');
      const again = await s.buildTools.putConfigFile({ ...f, content: '<settings><offline>true</offline></settings>' }, 'alice');
      assert.equal(again.updatedBy, 'alice');
      assert.equal((await s.buildTools.getConfigFile('maven-settings'))!.content, '<settings><offline>true</offline></settings>');
      assert.deepEqual((await s.buildTools.listConfigFiles()).map((x) => x.id), ['maven-settings']);
      for (const id of ['', '../x', 'a b', "x'; DROP TABLE config_files; --", '.hidden']) {
        await rejectsWith(s.buildTools.putConfigFile({ ...f, id }, 'root'), 'invalid', /config file id/);
        assert.equal(await s.buildTools.getConfigFile(id), null);
      }
      await rejectsWith(s.buildTools.putConfigFile({ ...f, content: 'x'.repeat(1024 * 1024 + 1) }, 'root'), 'invalid', /content/);
      assert.equal(await s.buildTools.deleteConfigFile('maven-settings'), true);
      assert.equal(await s.buildTools.deleteConfigFile('maven-settings'), false);
      assert.equal(await s.buildTools.getConfigFile('maven-settings'), null);
      await s.close();
    });
  });
}
