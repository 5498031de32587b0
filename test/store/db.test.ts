// The query layer's placeholder rewrite (the SQLite driver's form of `$n`).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { toQuestionMarks } from '../../src/store/db.ts';

it('turns $n into ? in parameter order, repeating reused ones, leaving quoted text alone', () => {
  assert.deepEqual(toQuestionMarks('SELECT * FROM t WHERE a = $2 AND b = $1 OR c = $2'),
    { sql: 'SELECT * FROM t WHERE a = ? AND b = ? OR c = ?', order: [1, 0, 1] });
  assert.deepEqual(toQuestionMarks(`SELECT '$1', "$2" FROM t WHERE x = $10`),
    { sql: `SELECT '$1', "$2" FROM t WHERE x = ?`, order: [9] });
  assert.deepEqual(toQuestionMarks("SELECT 'it''s $1' WHERE y = $1"), { sql: "SELECT 'it''s $1' WHERE y = ?", order: [0] });
});
