// --cache-to / --cache-from values in buildx's CSV grammar, and the docker
// CLI's comma-split --cache-from list joined back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { joinCacheFields, parseCacheSpec } from '../../../../src/engine/builder/registrycache';
import { detectedHostPlatform, formatPlatform } from '../../../../src/registry';

describe('registry cache specs', () => {
  it('reads type=registry,ref=...,mode=...; mode defaults to min', () => {
    assert.deepEqual(parseCacheSpec('type=registry,ref=127.0.0.1:5000/c:x,mode=max', 'to'), {
      type: 'registry',
      ref: '127.0.0.1:5000/c:x',
      mode: 'max',
      ignoreError: false,
    });
    assert.deepEqual(parseCacheSpec('type=registry,ref=r/c', 'from'), { type: 'registry', ref: 'r/c', mode: 'min', ignoreError: false });
    assert.equal(parseCacheSpec('type=inline', 'to')?.type, 'inline');
    assert.equal(parseCacheSpec('ref=r/c,ignore-error=true,image-manifest=true', 'to')?.ignoreError, true);
  });

  it('a --cache-from without "=" is a classic image name; a --cache-to one is a registry ref', () => {
    assert.equal(parseCacheSpec('busybox:latest', 'from'), undefined);
    assert.deepEqual(parseCacheSpec('r/c:cache', 'to'), { type: 'registry', ref: 'r/c:cache', mode: 'min', ignoreError: false });
  });

  it('refuses other exporters, bad modes, unknown keys, a missing or bad ref', () => {
    assert.throws(() => parseCacheSpec('type=gha', 'to'), /cache exporter type "gha" is not supported by berth: use type=registry or type=inline/);
    assert.throws(() => parseCacheSpec('type=inline', 'from'), /cache importer type "inline" is not supported by berth: use type=registry$/);
    assert.throws(() => parseCacheSpec('type=local,src=/x', 'from'), /cache importer type "local" is not supported/);
    assert.throws(() => parseCacheSpec('type=registry,ref=r/c,mode=all', 'to'), /invalid cache mode "all"/);
    assert.throws(() => parseCacheSpec('type=registry,ref=r/c,color=blue', 'to'), /unknown cache export option "color"/);
    assert.throws(() => parseCacheSpec('type=registry', 'to'), /ref is required/);
    assert.throws(() => parseCacheSpec('type=registry,ref=UPPER/Case', 'from'), /invalid reference format/);
  });

  it('joins the fields the docker CLI split at commas, leaving image names alone', () => {
    assert.deepEqual(joinCacheFields(['type=registry', 'ref=r/c:x', 'mode=max', 'busybox', 'type=registry', 'ref=r/d']), [
      'type=registry,ref=r/c:x,mode=max',
      'busybox',
      'type=registry,ref=r/d',
    ]);
    assert.deepEqual(joinCacheFields(['a:1', 'b:2']), ['a:1', 'b:2']);
  });

  it('names the host platform with its amd64 level, as Docker does in its warning', () => {
    const p = formatPlatform(detectedHostPlatform());
    if (process.arch === 'x64') assert.match(p, /^linux\/amd64(\/v[234])?$/);
    else assert.match(p, /^linux\//);
  });
});
