// The shared filter rules (api/types/filters): decoding both JSON forms,
// exact/regexp/prefix matching, label lists, booleans and `until` times.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Filters, timestampMs } from '../../../src/filters';

describe('Filters', () => {
  it('decodes the map form and the legacy list form alike; anything else is `invalid filter`', () => {
    const a = Filters.fromJSON('{"name":{"web":true,"db":true},"label":{"a=b":true}}');
    const b = Filters.fromJSON('{"name":["web","db"],"label":["a=b"]}');
    assert.deepEqual(a.toJSON(), b.toJSON());
    assert.deepEqual(a.get('name'), ['web', 'db']);
    assert.equal(Filters.fromJSON('').size, 0);
    assert.equal(Filters.fromJSON(null).size, 0);
    assert.equal(Filters.fromJSON('null').size, 0);
    for (const bad of ['x', '[]', '"s"', '{"a":"b"}', '{"a":1}', '{"a":{"b":"yes"}}', '{"a":["x"],"b":{"y":true}}']) {
      assert.throws(() => Filters.fromJSON(bad), { status: 400, message: 'invalid filter' }, bad);
    }
  });

  it("validates keys with Docker's message", () => {
    const f = Filters.of({ color: ['red'] });
    assert.throws(() => f.validate(['name']), { status: 400, message: "invalid filter 'color'" });
    assert.doesNotThrow(() => f.validate(['color']));
  });

  it('match is exact or an unanchored regexp; a bad regexp matches nothing', () => {
    const f = Filters.of({ name: ['^/web$', 'b.x', '('] });
    assert.ok(f.match('name', '/web'));
    assert.ok(!f.match('name', '/web2'));
    assert.ok(f.match('name', 'a-box-z'));
    assert.ok(f.match('name', '('), 'an exact value matches even when it is no regexp');
    assert.ok(!f.match('name', 'other'));
    // absent or empty keys do not filter
    assert.ok(Filters.empty().match('name', 'anything'));
    assert.ok(Filters.of({ name: [] }).match('name', 'anything'));
  });

  it('fuzzyMatch is exact or a prefix', () => {
    const f = Filters.of({ container: ['ab'] });
    assert.ok(f.fuzzyMatch('container', 'abc'));
    assert.ok(!f.fuzzyMatch('container', 'xab'));
  });

  it('label lists: every k or k=v present; label! excludes only when all of its pairs match', () => {
    const f = Filters.of({ label: ['app', 'tier=front'] });
    assert.ok(f.matchKVList('label', { app: 'x', tier: 'front' }));
    assert.ok(!f.matchKVList('label', { app: 'x', tier: 'back' }));
    assert.ok(!f.matchKVList('label', null));
    assert.ok(Filters.of({}).matchKVList('label', null));
    const p = Filters.of({ 'label!': ['keep=1'] });
    assert.ok(!p.matchLabels({ keep: '1' }));
    assert.ok(p.matchLabels({ keep: '2' }));
    assert.ok(p.matchLabels({}));
  });

  it('booleans: 1/true or 0/false; both or neither is an error naming the values', () => {
    assert.equal(Filters.of({ dangling: ['1'] }).boolOrDefault('dangling', false), true);
    assert.equal(Filters.of({ dangling: ['false'] }).boolOrDefault('dangling', true), false);
    assert.equal(Filters.empty().boolOrDefault('dangling', true), true);
    assert.throws(() => Filters.of({ dangling: ['maybe'] }).boolOrDefault('dangling', false), { message: "invalid filter 'dangling=[maybe]'" });
    assert.throws(() => Filters.of({ dangling: ['true', 'false'] }).boolOrDefault('dangling', false), { message: "invalid filter 'dangling=[true false]'" });
  });

  it('until: durations before now (whole seconds), RFC 3339 times, Unix timestamps; one value only', () => {
    const now = Date.parse('2026-01-02T03:04:05.678Z');
    assert.equal(timestampMs('1h', now), Date.parse('2026-01-02T02:04:05Z'));
    assert.equal(timestampMs('90m', now), Date.parse('2026-01-02T01:34:05Z'));
    assert.equal(timestampMs('2025-06-01T00:00:00Z', now), Date.parse('2025-06-01T00:00:00Z'));
    assert.equal(timestampMs('2025-06-01T10:00:00+02:00', now), Date.parse('2025-06-01T08:00:00Z'));
    assert.equal(timestampMs('1700000000', now), 1700000000000);
    assert.equal(timestampMs('1700000000.5', now), 1700000000500);
    assert.throws(() => timestampMs('yesterday', now), { status: 400, message: 'failed to parse value as time or duration: "yesterday"' });
    assert.throws(() => timestampMs('2025-13-45', now), { status: 400 });
    assert.throws(() => Filters.of({ until: ['1h', '2h'] }).until(now), { message: 'more than one until filter specified' });
    assert.equal(Filters.empty().until(now), undefined);
  });
});
