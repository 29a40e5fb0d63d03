import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecord } from '../../../src/common/csv';

describe('csvRecord (one record of Go encoding/csv)', () => {
  it('splits on commas and keeps empty fields', () => {
    assert.deepEqual(csvRecord('type=bind,source=a,,target=/b'), ['type=bind', 'source=a', '', 'target=/b']);
    assert.deepEqual(csvRecord(''), ['']);
  });

  it('a field that starts with a quote keeps its commas; "" inside is a quote', () => {
    assert.deepEqual(csvRecord('"src=a,b",dst=/x'), ['src=a,b', 'dst=/x']);
    assert.deepEqual(csvRecord('"say ""hi""",x'), ['say "hi"', 'x']);
    assert.deepEqual(csvRecord('"",x'), ['', 'x']);
  });

  it('a quote inside an unquoted field is kept as written', () => {
    assert.deepEqual(csvRecord('a"b,c'), ['a"b', 'c']);
  });

  it('an open quote is null; a closed one (positive control) is not', () => {
    assert.equal(csvRecord('"src=a,b'), null);
    assert.equal(csvRecord('x,"y'), null);
    assert.deepEqual(csvRecord('x,"y"'), ['x', 'y']);
  });
});
