// The pure parts of healthchecks: Go durations, the HEALTHCHECK instruction,
// merge and validation, and the state machine over probe results.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../../../../src/container';
import { applyProbeResult, initHealthState, mergeHealthcheck, probeCommand, validateHealthcheck } from '../../../../src/engine/containers/healthcheck';
import { parseHealthcheckInstruction } from '../../../../src/image';
import { formatGoDuration, parseGoDuration } from '../../../../src/util/time';

describe('Go durations', () => {
  it('formats like time.Duration.String', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'],
      [1, '1ns'],
      [1500, '1.5µs'],
      [5e8, '500ms'],
      [1.5e6, '1.5ms'],
      [1e9, '1s'],
      [1.5e9, '1.5s'],
      [30e9, '30s'],
      [60e9, '1m0s'],
      [90e9, '1m30s'],
      [3600e9, '1h0m0s'],
      [3661.5e9, '1h1m1.5s'],
      [-2e9, '-2s'],
    ];
    for (const [ns, s] of cases) assert.equal(formatGoDuration(ns), s, `${ns}`);
  });
  it('parses Go duration strings', () => {
    assert.equal(parseGoDuration('1m30s'), 90e9);
    assert.equal(parseGoDuration('500ms'), 5e8);
    assert.equal(parseGoDuration('1.5h'), 5400e9);
    assert.equal(parseGoDuration('2us'), 2000);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('-1s'), -1e9);
    assert.equal(parseGoDuration('10'), undefined);
    assert.equal(parseGoDuration('1x'), undefined);
    assert.equal(parseGoDuration(''), undefined);
  });
});

describe('HEALTHCHECK instruction', () => {
  it('shell and exec forms with flags', () => {
    assert.deepEqual(parseHealthcheckInstruction('CMD curl -f http://localhost/ || exit 1'), { Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] });
    assert.deepEqual(parseHealthcheckInstruction('--interval=5s --timeout=1m30s --start-period=2s --retries=4 CMD ["true", "x"]'), {
      Test: ['CMD', 'true', 'x'],
      Interval: 5e9,
      Timeout: 90e9,
      StartPeriod: 2e9,
      Retries: 4,
    });
    assert.deepEqual(parseHealthcheckInstruction('none'), { Test: ['NONE'] });
    assert.deepEqual(parseHealthcheckInstruction('--interval=0s CMD true'), { Test: ['CMD-SHELL', 'true'] });
  });
  it('errors like the Dockerfile frontend', () => {
    assert.throws(() => parseHealthcheckInstruction('NONE x'), /HEALTHCHECK NONE takes no arguments/);
    assert.throws(() => parseHealthcheckInstruction('--retries=2 NONE'), /HEALTHCHECK NONE takes no arguments/);
    assert.throws(() => parseHealthcheckInstruction('RUN true'), /Unknown type "RUN" in HEALTHCHECK \(try CMD\)/);
    assert.throws(() => parseHealthcheckInstruction('CMD'), /Missing command after HEALTHCHECK CMD/);
    assert.throws(() => parseHealthcheckInstruction('--foo=1 CMD true'), /Unknown flag: foo/);
    assert.throws(() => parseHealthcheckInstruction('--interval=10us CMD true'), /cannot be less than 1ms/);
    assert.throws(() => parseHealthcheckInstruction('--retries=-1 CMD true'), /--retries cannot be negative/);
    assert.throws(() => parseHealthcheckInstruction('--interval=abc CMD true'), /invalid duration/);
  });
});

describe('healthcheck config', () => {
  it('merges the container over the image', () => {
    const img = { Test: ['CMD', 'img'], Interval: 1e9, Timeout: 2e9, Retries: 5 };
    assert.deepEqual(mergeHealthcheck(undefined, img), img);
    assert.equal(mergeHealthcheck(undefined, undefined), undefined);
    assert.deepEqual(mergeHealthcheck({ Retries: 2 }, img), { Test: ['CMD', 'img'], Interval: 1e9, Timeout: 2e9, Retries: 2 });
    assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, img), { Test: ['NONE'], Interval: 1e9, Timeout: 2e9, Retries: 5 });
    assert.deepEqual(mergeHealthcheck({ Test: ['CMD-SHELL', 'x'], Interval: 3e9 }, null), { Test: ['CMD-SHELL', 'x'], Interval: 3e9 });
  });
  it('validates with Docker messages', () => {
    assert.doesNotThrow(() => validateHealthcheck({ Test: ['CMD', 'x'], Interval: 0, Timeout: 1e6, Retries: 0 }));
    assert.throws(() => validateHealthcheck({ Interval: 999999 }), /^EngineError: Interval in Healthcheck cannot be less than 1ms$/);
    assert.throws(() => validateHealthcheck({ Timeout: -1 }), /Timeout in Healthcheck cannot be less than 1ms/);
    assert.throws(() => validateHealthcheck({ StartPeriod: 5 }), /StartPeriod in Healthcheck cannot be less than 1ms/);
    assert.throws(() => validateHealthcheck({ StartInterval: 5 }), /StartInterval in Healthcheck cannot be less than 1ms/);
    assert.throws(() => validateHealthcheck({ Retries: -1 }), /Retries in Healthcheck cannot be negative/);
  });
  it('builds the probe command', () => {
    const c = (Healthcheck: object | undefined, Shell?: string[]) => ({ Config: { Healthcheck, Shell } }) as unknown as Container;
    assert.deepEqual(probeCommand(c({ Test: ['CMD', 'a', 'b'] })), ['a', 'b']);
    assert.deepEqual(probeCommand(c({ Test: ['CMD-SHELL', 'a b'] })), ['/bin/sh', '-c', 'a b']);
    assert.deepEqual(probeCommand(c({ Test: ['CMD-SHELL', 'a b'] }, ['/bin/bash', '-ec'])), ['/bin/bash', '-ec', 'a b']);
    assert.equal(probeCommand(c({ Test: ['NONE'] })), undefined);
    assert.equal(probeCommand(c({ Test: [] })), undefined);
    assert.equal(probeCommand(c({ Test: ['WHAT', 'x'] })), undefined);
    assert.equal(probeCommand(c(undefined)), undefined);
  });
});

describe('health state machine', () => {
  const started = Date.parse('2024-01-01T00:00:00Z');
  const mk = (hc: object) => {
    const c = { Config: { Healthcheck: { Test: ['CMD', 'x'], ...hc } }, State: { StartedAt: new Date(started).toISOString() } } as unknown as Container;
    initHealthState(c);
    return c;
  };
  const entry = (code: number, i = 0) => ({ Start: `s${i}`, End: `e${i}`, ExitCode: code, Output: '' });

  it('starting → healthy → unhealthy after Retries failures; success resets', () => {
    const c = mk({ Retries: 2 });
    assert.equal(c.State.Health!.Status, 'starting');
    assert.deepEqual(applyProbeResult(c, entry(1), started + 1000), { before: 'starting', after: 'starting' });
    assert.equal(c.State.Health!.FailingStreak, 1);
    assert.deepEqual(applyProbeResult(c, entry(0), started + 2000), { before: 'starting', after: 'healthy' });
    assert.equal(c.State.Health!.FailingStreak, 0);
    applyProbeResult(c, entry(1), started + 3000);
    assert.equal(c.State.Health!.Status, 'healthy');
    assert.deepEqual(applyProbeResult(c, entry(2), started + 4000), { before: 'healthy', after: 'unhealthy' });
    assert.equal(c.State.Health!.FailingStreak, 2);
    applyProbeResult(c, entry(0), started + 5000);
    assert.equal(c.State.Health!.Status, 'healthy');
  });
  it('default retries are 3; the log keeps the last 5', () => {
    const c = mk({});
    for (let i = 0; i < 7; i++) applyProbeResult(c, entry(1, i), started + 1000);
    assert.equal(c.State.Health!.Status, 'unhealthy');
    assert.equal(c.State.Health!.FailingStreak, 7);
    assert.deepEqual(
      c.State.Health!.Log.map((e) => e.Start),
      ['s2', 's3', 's4', 's5', 's6'],
    );
  });
  it('failures inside the start period count only once a probe has passed', () => {
    const c = mk({ Retries: 1, StartPeriod: 10e9 });
    applyProbeResult(c, entry(1), started + 5000);
    assert.equal(c.State.Health!.Status, 'starting');
    assert.equal(c.State.Health!.FailingStreak, 0);
    applyProbeResult(c, entry(1), started + 11000);
    assert.equal(c.State.Health!.Status, 'unhealthy');
    const c2 = mk({ Retries: 1, StartPeriod: 10e9 });
    applyProbeResult(c2, entry(0), started + 1000);
    applyProbeResult(c2, entry(1), started + 2000);
    assert.equal(c2.State.Health!.Status, 'unhealthy');
  });
  it('a restart resets status and streak but keeps the log', () => {
    const c = mk({ Retries: 1 });
    applyProbeResult(c, entry(1), started + 1000);
    initHealthState(c);
    assert.equal(c.State.Health!.Status, 'starting');
    assert.equal(c.State.Health!.FailingStreak, 0);
    assert.equal(c.State.Health!.Log.length, 1);
  });
});
