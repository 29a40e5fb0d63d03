// COPY/ADD --chmod: octal replaces the permission bits, symbolic (chmod(1)
// without a umask) changes each file's own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChownError, applyChmod, parseChmod } from '../../../src/builder';

const sym = (spec: string, mode: number, dir = false) => applyChmod(parseChmod(spec), mode, dir);

describe('--chmod', () => {
  it('octal replaces the bits, whatever the file had', () => {
    assert.equal(applyChmod(parseChmod('755'), 0o600, false), 0o755);
    assert.equal(applyChmod(parseChmod('0640'), 0o777, true), 0o640);
    assert.equal(applyChmod(parseChmod('4755'), 0o644, false), 0o4755);
    assert.equal(applyChmod(undefined, 0o100644, false), 0o644);
  });

  it("symbolic clauses apply in order to the file's mode", () => {
    assert.equal(sym('u+x', 0o644), 0o744);
    assert.equal(sym('u+x,g-w,o=', 0o664), 0o740);
    assert.equal(sym('a=rX', 0o700), 0o555);
    assert.equal(sym('a=rX', 0o600), 0o444);
    assert.equal(sym('a=rX', 0o600, true), 0o555, 'X: execute for directories');
    assert.equal(sym('+x', 0o644), 0o755, 'no who: all');
    assert.equal(sym('go=u', 0o750), 0o777);
    assert.equal(sym('o-rwx,g+w', 0o755), 0o770);
    assert.equal(sym('u+s,g+s,+t', 0o755), 0o7755);
    assert.equal(sym('u=rw,go=r', 0o4777), 0o644, '= clears the class (and its special bit)');
  });

  it("bad values are refused with BuildKit's words", () => {
    for (const bad of ['888', '77777', '12345678'])
      assert.throws(
        () => parseChmod(bad),
        (e: Error) => e instanceof ChownError && /invalid chmod parameter: '\d+'\. it should be octal string and between 0 and 07777/.test(e.message),
      );
    for (const bad of ['u+q', 'z+x', 'u', 'u+x,', '+x,,g-w', 'rwx']) assert.throws(() => parseChmod(bad), /invalid chmod parameter/, bad);
  });
});
