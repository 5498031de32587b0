// The web UI's reading of the API's error messages (web/src/field-errors.ts), run in Node: which
// field each is about and what the form says under it, in words. The browser tests
// (forms-ui.test.ts) show them in place; these cover the shapes a browser test cannot easily
// provoke (a stale parameter form, Fastify's schema messages, YAML positions). The field comes
// from the answer's data (`error.field`/`fields`) when it has it; the wording is the fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, fieldsOf } from '../../web/src/api.ts';
import { fieldErrors, problemOf, problemsOf } from '../../web/src/field-errors.ts';

const invalid = (message: string) => new ApiError(400, 'invalid', message);

test("a service's `field: why` names the field, whole path or its last part; the message starts with a capital", () => {
  assert.deepEqual(problemOf(invalid('password: use at least 12 characters')), { field: 'password', message: 'Use at least 12 characters' });
  assert.deepEqual(problemOf(invalid("sonar[1].url: 'ftp://x' is not a URL")), { field: 'sonar[1].url', message: "'ftp://x' is not a URL" });
  assert.deepEqual(problemOf(invalid('variables.KILN_HOME: KILN_* names are Kiln\'s own settings')), { field: 'variables.KILN_HOME', message: "KILN_* names are Kiln's own settings" });
  const fe = fieldErrors(invalid("git.url: '-x' is not a repository URL"), ['name', 'git.url']);
  assert.equal(fe.of('git.url'), "'-x' is not a repository URL");
  assert.equal(fe.of('name'), null);
  assert.equal(fe.rest, null);
  // The last part when the form names the field so.
  assert.equal(fieldErrors(invalid('launcher.host: required'), ['host']).of('host'), 'Required');
});

test('a YAML field\'s position stays in the message, not in the field', () => {
  assert.deepEqual(problemOf(invalid('templates[0].yaml line 3, column 5: unexpected end of the stream')), { field: 'templates[0].yaml', message: 'Line 3, column 5: unexpected end of the stream' });
});

test("Fastify's schema errors name the field and say it in words", () => {
  const pattern = { name: "Letters, digits, '.', '_', '-' and spaces" };
  assert.deepEqual(problemOf(invalid('body/name must match pattern "^[A-Za-z0-9_]+$"'), pattern), { field: 'name', message: pattern.name });
  assert.deepEqual(problemOf(invalid('body/git/url must NOT have fewer than 1 characters')), { field: 'git.url', message: 'Required' });
  assert.deepEqual(problemOf(invalid('body/executors must be <= 1000')), { field: 'executors', message: 'At most 1000' });
  assert.deepEqual(problemOf(invalid('body/executors must be integer')), { field: 'executors', message: 'A whole number' });
  assert.deepEqual(problemOf(invalid("body must have required property 'name'")), { field: 'name', message: 'Required' });
  assert.deepEqual(problemOf(invalid('body/sonar/0/url must be string')), { field: 'sonar[0].url', message: 'Text is expected here' });
});

test("a build's parameters: the refused one's field, with what it takes", () => {
  const fe = fieldErrors(new ApiError(400, 'invalid', "parameter 'ENV' must be one of qa, prod; got 'dev'"), ['params.ENV', 'params.DRY']);
  assert.equal(fe.of('params.ENV'), "Must be one of qa, prod; got 'dev'");
  assert.equal(fe.of('params.DRY'), null);
  const gone = fieldErrors(new ApiError(400, 'invalid', "job 'app' has no parameter 'OLD' (it has: ENV)"), ['params.OLD', 'params.ENV']);
  assert.match(gone.of('params.OLD') ?? '', /^The job no longer has this parameter \(it has: ENV\): reload the page$/);
});

test('a taken name is about the field the form says; what names no field of the form is the rest', () => {
  const taken = new ApiError(409, 'conflict', "a job named 'app' already exists");
  assert.equal(fieldErrors(taken, ['name'], { conflict: 'name' }).of('name'), "A job named 'app' already exists");
  assert.equal(fieldErrors(taken, ['name']).rest, taken, 'without `conflict` it stays the form\'s');
  const other = invalid('body: unknown field \'x\' (the only field is variables)');
  assert.equal(fieldErrors(other, ['variables']).rest, other);
  const words = invalid('wrong user name or password');
  assert.equal(problemOf(words), null, 'a sentence is not a field');
  assert.equal(fieldErrors(words, ['username', 'password']).rest, words);
  assert.equal(fieldErrors(null, ['name']).rest, null);
});

test("the store's checks name their field too", () => {
  assert.deepEqual(problemOf(invalid('launcher.host must not be empty')), { field: 'launcher.host', message: 'Must not be empty' });
  assert.deepEqual(problemOf(invalid("invalid job name 'a:b': contains ':'; names may not contain ...")), { field: 'name', message: "Contains ':'; names may not contain ..." });
  assert.deepEqual(problemOf(invalid('invalid label "a b": a label is one word without spaces')), { field: 'labels', message: 'Label "a b": a label is one word without spaces' });
});

/** An 'invalid' answer as api.ts reads it: the body's `field`/`fields` into ApiError.fields. */
const answer = (error: { message: string; field?: unknown; fields?: unknown }) => new ApiError(400, 'invalid', error.message, fieldsOf(error));

test("the answer's field data places the message, whatever its wording says", () => {
  // The data wins over the words: a message whose wording names no field, or another one.
  const stage = answer({ message: "stage 'Deploy' is not a stage of build 3", field: 'stage' });
  assert.deepEqual(problemOf(stage), { field: 'stage', message: "Stage 'Deploy' is not a stage of build 3" });
  assert.equal(fieldErrors(stage, ['stage']).of('stage'), "Stage 'Deploy' is not a stage of build 3");
  assert.equal(fieldErrors(answer({ message: 'name: taken by the words', field: 'url' }), ['name', 'url']).of('url'), 'Taken by the words');
  // The words are still made plain: a `field: ` prefix dropped, Ajv's phrases in words.
  assert.deepEqual(problemOf(answer({ message: "git.url: '-x' is not a repository URL", field: 'git.url' })), { field: 'git.url', message: "'-x' is not a repository URL" });
  assert.deepEqual(problemOf(answer({ message: 'body/git/url must NOT have fewer than 1 characters', field: 'git.url' })), { field: 'git.url', message: 'Required' });
  // A dotted index matches the form's bracketed field, and a last part that is a name.
  assert.equal(fieldErrors(answer({ message: "sonar[0].url: 'ftp://x' is not a URL", field: 'sonar.0.url' }), ['sonar[0].url']).of('sonar[0].url'), "'ftp://x' is not a URL");
  assert.equal(fieldErrors(answer({ message: 'launcher.host must not be empty', field: 'launcher.host' }), ['host']).of('host'), 'Must not be empty');
  assert.equal(fieldErrors(answer({ message: 'parameters[2].name must not be empty', field: 'parameters.2.name' }), ['name']).of('name'), 'Must not be empty');
});

test('several fields each get their own message; one the form lacks keeps the whole error in the rest', () => {
  const two = answer({ message: "body must have required property 'name'", fields: [
    { field: 'name', message: "must have required property 'name'" },
    { field: 'executors', message: 'must be integer' },
  ] });
  assert.deepEqual(problemsOf(two), [{ field: 'name', message: 'Required' }, { field: 'executors', message: 'A whole number' }]);
  const fe = fieldErrors(two, ['name', 'executors']);
  assert.deepEqual([fe.of('name'), fe.of('executors'), fe.rest], ['Required', 'A whole number', null]);
  const partly = fieldErrors(two, ['name']);
  assert.equal(partly.of('name'), 'Required');
  assert.equal(partly.rest, two, 'the executors problem is not lost');
  // Ill-formed data is ignored: the wording is read instead.
  assert.deepEqual(problemOf(answer({ message: 'password: use at least 12 characters', field: 7, fields: 'x' })), { field: 'password', message: 'Use at least 12 characters' });
  assert.deepEqual(fieldsOf({ message: 'm', fields: [{ field: 'a' }, { field: 'b', message: 'y' }] }), [{ field: 'b', message: 'y' }]);
});
