import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileAntPatterns, DEFAULT_EXCLUDES, splitAntPatterns } from '../../src/util/antglob.ts';

/** Paths selected by the patterns, out of `paths`. */
function select(paths: string[], includes: string, excludes?: string, opts?: { defaultExcludes?: boolean; caseSensitive?: boolean }): string[] {
  const m = compileAntPatterns(includes, excludes, opts);
  return paths.filter((p) => m.matches(p));
}

const tree = [
  'README.md',
  'build.xml',
  'src/main/java/App.java',
  'src/main/java/util/Strings.java',
  'src/test/java/AppTest.java',
  'target/app.jar',
  'target/app-sources.jar',
  'target/classes/App.class',
  'target/surefire-reports/TEST-AppTest.xml',
  'target/surefire-reports/TEST-UtilTest.xml',
  'module/target/surefire-reports/TEST-ModTest.xml',
  'docs/a.txt',
  'docs/b.txt',
  'docs/ab.txt',
];

test('splitAntPatterns: comma-separated, trimmed, empty entries dropped', () => {
  assert.deepEqual(splitAntPatterns('a/*.jar, b/**/*.xml ,c'), ['a/*.jar', 'b/**/*.xml', 'c']);
  assert.deepEqual(splitAntPatterns(' , ,x,,'), ['x']);
  assert.deepEqual(splitAntPatterns('\n  target/*.jar,\n  docs/**\n'), ['target/*.jar', 'docs/**']);
  assert.deepEqual(splitAntPatterns(''), []);
  assert.deepEqual(splitAntPatterns(undefined), []);
  // A space inside an entry is part of a file name, as in Jenkins (Util.createFileSet).
  assert.deepEqual(splitAntPatterns('my file.txt'), ['my file.txt']);
});

test('* matches within one segment only', () => {
  assert.deepEqual(select(tree, '*.md'), ['README.md']);
  assert.deepEqual(select(tree, 'target/*.jar'), ['target/app.jar', 'target/app-sources.jar']);
  assert.deepEqual(select(tree, '*'), ['README.md', 'build.xml']);
  assert.deepEqual(select(tree, 'src/*/java/*.java'), ['src/main/java/App.java', 'src/test/java/AppTest.java']);
  assert.deepEqual(select(tree, 'target/*-*.jar'), ['target/app-sources.jar']);
});

test('** matches any number of directories, including none', () => {
  assert.deepEqual(select(tree, '**/*.java'), [
    'src/main/java/App.java', 'src/main/java/util/Strings.java', 'src/test/java/AppTest.java',
  ]);
  assert.deepEqual(select(tree, '**/surefire-reports/*.xml'), [
    'target/surefire-reports/TEST-AppTest.xml', 'target/surefire-reports/TEST-UtilTest.xml',
    'module/target/surefire-reports/TEST-ModTest.xml',
  ]);
  assert.deepEqual(select(tree, '**/README.md'), ['README.md']);
  assert.deepEqual(select(tree, 'src/**/java/**/*.java'), [
    'src/main/java/App.java', 'src/main/java/util/Strings.java', 'src/test/java/AppTest.java',
  ]);
  assert.deepEqual(select(tree, '**'), tree);
  assert.deepEqual(select(tree, 'src/**'), tree.filter((p) => p.startsWith('src/')));
  assert.deepEqual(select(tree, '**/**/*.md'), ['README.md']);
});

test('? matches exactly one character', () => {
  assert.deepEqual(select(tree, 'docs/?.txt'), ['docs/a.txt', 'docs/b.txt']);
  assert.deepEqual(select(tree, 'docs/??.txt'), ['docs/ab.txt']);
  assert.deepEqual(select(['x/é.txt', 'x/ab.txt'], 'x/?.txt'), ['x/é.txt']);
});

test('a pattern ending in / means everything under it', () => {
  assert.deepEqual(select(tree, 'docs/'), ['docs/a.txt', 'docs/b.txt', 'docs/ab.txt']);
  assert.deepEqual(select(tree, 'target/surefire-reports/'), [
    'target/surefire-reports/TEST-AppTest.xml', 'target/surefire-reports/TEST-UtilTest.xml',
  ]);
});

test('backslashes in patterns separate segments; repeated separators collapse', () => {
  assert.deepEqual(select(tree, 'target\\*.jar'), ['target/app.jar', 'target/app-sources.jar']);
  assert.deepEqual(select(tree, 'target//*.jar'), ['target/app.jar', 'target/app-sources.jar']);
});

test('a pattern naming a directory does not select the files under it', () => {
  assert.deepEqual(select(tree, 'docs'), []);
  assert.deepEqual(select(tree, 'target/classes'), []);
});

test('several includes are a union; excludes remove', () => {
  assert.deepEqual(select(tree, 'target/*.jar, **/*.md'), ['README.md', 'target/app.jar', 'target/app-sources.jar']);
  assert.deepEqual(select(tree, 'target/*.jar', '**/*-sources.jar'), ['target/app.jar']);
  assert.deepEqual(select(tree, '**/*.xml', 'module/**, build.xml'), [
    'target/surefire-reports/TEST-AppTest.xml', 'target/surefire-reports/TEST-UtilTest.xml',
  ]);
  // Excluding a directory name alone does not exclude what is inside it (Ant).
  assert.deepEqual(select(tree, 'docs/**', 'docs'), ['docs/a.txt', 'docs/b.txt', 'docs/ab.txt']);
  assert.deepEqual(select(tree, 'docs/**', 'docs/'), []);
});

test('empty includes select everything (Ant implicit **)', () => {
  assert.deepEqual(select(tree, ''), tree);
  assert.deepEqual(select(tree, ' , '), tree);
  assert.deepEqual(select(tree, '', 'target/**, src/**, docs/**, module/'), ['README.md', 'build.xml']);
});

test('matching is case-sensitive unless asked otherwise', () => {
  assert.deepEqual(select(tree, '**/*.JAR'), []);
  assert.deepEqual(select(tree, 'readme.md'), []);
  assert.deepEqual(select(tree, '**/*.JAR', undefined, { caseSensitive: false }), ['target/app.jar', 'target/app-sources.jar']);
  assert.deepEqual(select(tree, 'readme.md', undefined, { caseSensitive: false }), ['README.md']);
  assert.deepEqual(select(tree, '**', 'TARGET/**, SRC/**, DOCS/**, MODULE/**', { caseSensitive: false }), ['README.md', 'build.xml']);
});

test('absolute patterns never match relative paths (as in Ant)', () => {
  assert.deepEqual(select(tree, '/README.md'), []);
  assert.deepEqual(select(tree, '/**'), []);
});

test('regex metacharacters in patterns are literal', () => {
  const paths = ['a+b.txt', 'a(1).txt', 'x[y].txt', 'a.b', 'axb', 'c$d', 'e^f', 'g{h}', 'p|q', 'r\\s'];
  assert.deepEqual(select(paths, 'a+b.txt'), ['a+b.txt']);
  assert.deepEqual(select(paths, 'a(1).*'), ['a(1).txt']);
  assert.deepEqual(select(paths, 'x[y].txt'), ['x[y].txt']);
  assert.deepEqual(select(paths, 'a.b'), ['a.b']);
  assert.deepEqual(select(paths, 'c$d, e^f, g{h}, p|q'), ['c$d', 'e^f', 'g{h}', 'p|q']);
});

test('* and ? match dot files and names with newlines', () => {
  assert.deepEqual(select(['.env', 'a/.hidden', 'line\nbreak'], '**/*', undefined, { defaultExcludes: false }), ['.env', 'a/.hidden', 'line\nbreak']);
  assert.deepEqual(select(['line\nbreak'], 'line?break'), ['line\nbreak']);
});

test('** inside a segment acts like *', () => {
  assert.deepEqual(select(tree, 'target/a**.jar'), ['target/app.jar', 'target/app-sources.jar']);
  assert.deepEqual(select(tree, 'a**'), []);
});

test('Ant default excludes apply unless turned off', () => {
  const paths = [
    'a.txt', '.git/config', '.git/objects/ab/cdef', 'sub/.git', 'sub/.gitignore', '.gitattributes', '.gitmodules',
    'x/.svn/entries', 'CVS/Root', 'm/CVS', '.cvsignore', 'SCCS/s.file', 'vssver.scc', '.hg/store/data', '.hgignore',
    '.hgtags', '.hgsub', '.hgsubstate', '.bzr/branch', '.bzrignore', 'mac/.DS_Store', 'notes.txt~', '#autosave#',
    '.#lock', '%temp%', '._resource', 'keep/.gitkeep', 'deep/nested/.svn/x/y',
  ];
  assert.deepEqual(select(paths, '**'), ['a.txt', 'keep/.gitkeep']);
  assert.deepEqual(select(paths, '**', undefined, { defaultExcludes: false }), paths);
  assert.equal(DEFAULT_EXCLUDES.length, 28);
  // Explicit includes do not override default excludes.
  assert.deepEqual(select(paths, '.git/config'), []);
  assert.deepEqual(select(paths, '.git/config', undefined, { defaultExcludes: false }), ['.git/config']);
});

test('matches: leading ./ segments and empty paths in the input', () => {
  const m = compileAntPatterns('**/*.txt');
  assert.equal(m.matches('./a/b.txt'), true);
  assert.equal(m.matches('a//b.txt'), true);
  assert.equal(m.matches(''), false);
});

test('couldMatchUnder prunes directories no include can reach', () => {
  const m = compileAntPatterns('target/*.jar, **/surefire-reports/*.xml');
  assert.equal(m.couldMatchUnder(''), true);
  assert.equal(m.couldMatchUnder('target'), true);
  assert.equal(m.couldMatchUnder('src'), true); // **/surefire-reports could be anywhere
  const m2 = compileAntPatterns('target/*.jar');
  assert.equal(m2.couldMatchUnder('target'), true);
  assert.equal(m2.couldMatchUnder('target/classes'), false);
  assert.equal(m2.couldMatchUnder('src'), false);
  const m3 = compileAntPatterns('src/main/**/*.java');
  assert.equal(m3.couldMatchUnder('src'), true);
  assert.equal(m3.couldMatchUnder('src/main'), true);
  assert.equal(m3.couldMatchUnder('src/main/java/util'), true);
  assert.equal(m3.couldMatchUnder('src/test'), false);
  const m4 = compileAntPatterns('*.md');
  assert.equal(m4.couldMatchUnder(''), true);
  assert.equal(m4.couldMatchUnder('docs'), false);
  const m5 = compileAntPatterns('/abs/**');
  assert.equal(m5.couldMatchUnder(''), false);
});

test('couldMatchUnder prunes subtrees an exclude covers entirely', () => {
  const m = compileAntPatterns('**', 'node_modules/**, **/tmp/**, build');
  assert.equal(m.couldMatchUnder('node_modules'), false);
  assert.equal(m.couldMatchUnder('node_modules/x'), false);
  assert.equal(m.couldMatchUnder('a/b/tmp'), false);
  assert.equal(m.couldMatchUnder('a/b/tmp/c'), false);
  assert.equal(m.couldMatchUnder('build'), true); // `build` excludes only a file named build
  assert.equal(m.couldMatchUnder('src'), true);
  const d = compileAntPatterns('**');
  assert.equal(d.couldMatchUnder('.git'), false);
  assert.equal(d.couldMatchUnder('x/.svn'), false);
  assert.equal(d.couldMatchUnder('x/.github'), true);
  const all = compileAntPatterns('**', '**');
  assert.equal(all.couldMatchUnder(''), false);
});

// Property: pruning never loses a match. For every path a matcher accepts, every ancestor
// directory must be one the walk would enter.
test('property: couldMatchUnder is true for every ancestor of a matching path', () => {
  const name = fc.constantFrom('a', 'b', 'ab', 'x.txt', 'y.xml', '.git', 'tmp', 'A', 'a.b');
  const segPat = fc.constantFrom('*', '**', '?', 'a', 'b', 'a*', '*.txt', '*.xml', '?b', 'tmp', '.git', 'A');
  const pattern = fc.array(segPat, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
  const patterns = fc.array(pattern, { minLength: 0, maxLength: 3 }).map((ps) => ps.join(','));
  const relPath = fc.array(name, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
  fc.assert(fc.property(patterns, patterns, relPath, fc.boolean(), fc.boolean(), (inc, exc, p, defEx, cs) => {
    const m = compileAntPatterns(inc, exc, { defaultExcludes: defEx, caseSensitive: cs });
    if (!m.matches(p)) return true;
    const parts = p.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!m.couldMatchUnder(dir)) return false;
    }
    return true;
  }), { numRuns: 3000 });
});

// Property: the automaton agrees with a straightforward recursive Ant matcher.
test('property: matches agrees with a reference recursive matcher', () => {
  function segMatch(pat: string, s: string): boolean {
    if (pat === '') return s === '';
    if (pat[0] === '*') return segMatch(pat.slice(1), s) || (s !== '' && segMatch(pat, s.slice(1)));
    if (s === '') return false;
    return (pat[0] === '?' || pat[0] === s[0]) && segMatch(pat.slice(1), s.slice(1));
  }
  function pathMatch(pat: string[], p: string[]): boolean {
    if (pat.length === 0) return p.length === 0;
    if (pat[0] === '**') return pathMatch(pat.slice(1), p) || (p.length > 0 && pathMatch(pat, p.slice(1)));
    return p.length > 0 && segMatch(pat[0]!, p[0]!) && pathMatch(pat.slice(1), p.slice(1));
  }
  const name = fc.constantFrom('a', 'b', 'ab', 'ba', 'x.txt', 'aab');
  const segPat = fc.constantFrom('*', '**', '?', 'a', 'b', 'a*', '*b', '*a*', '??', 'x.*');
  fc.assert(fc.property(fc.array(segPat, { minLength: 1, maxLength: 5 }), fc.array(name, { minLength: 1, maxLength: 5 }), (pat, p) => {
    const m = compileAntPatterns(pat.join('/'), undefined, { defaultExcludes: false });
    return m.matches(p.join('/')) === pathMatch(pat, p);
  }), { numRuns: 3000 });
});
