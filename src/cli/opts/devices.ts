// Block-IO device limits and GPU requests of run/create, parsed with the docker
// CLI's rules and words (its opts/throttledevice.go, weightdevice.go, gpus.go).
import { csvRecord } from '../../common/csv';
import { parseMemory } from '../../common/units';

export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

function devicePath(val: string): [string, string] {
  const i = val.indexOf(':');
  if (i <= 0) throw new Error(`bad format: ${val}`);
  const k = val.slice(0, i);
  if (!k.startsWith('/dev/')) throw new Error(`bad format for device path: ${val}`);
  return [k, val.slice(i + 1)];
}

/** --device-read-bps / --device-write-bps: DEVICE:RATE[unit]. */
export function parseThrottleBps(val: string): ThrottleDevice {
  const [k, v] = devicePath(val);
  let rate: number;
  try {
    rate = parseMemory(v);
  } catch {
    rate = -1;
  }
  if (rate < 0)
    throw new Error(
      `invalid rate for device: ${val}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`,
    );
  return { Path: k, Rate: rate };
}

/** --device-read-iops / --device-write-iops: DEVICE:NUMBER. */
export function parseThrottleIops(val: string): ThrottleDevice {
  const [k, v] = devicePath(val);
  if (!/^\d+$/.test(v)) throw new Error(`invalid rate for device: ${val}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  return { Path: k, Rate: Number(v) };
}

/** --blkio-weight-device: DEVICE:WEIGHT, 10 to 1000 (0 to leave it unset). */
export function parseWeightDevice(val: string): { Path: string; Weight: number } {
  const [k, v] = devicePath(val);
  const w = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(w <= 65535) || (w > 0 && (w < 10 || w > 1000))) throw new Error(`invalid weight for device: ${val}`);
  return { Path: k, Weight: w };
}

export interface DeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs: string[] | null;
  Capabilities: string[][];
  Options: Record<string, string>;
}

function gpuCount(s: string): number {
  if (s === 'all') return -1;
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`invalid count (${s}): value must be either "all" or an integer: invalid syntax`);
  return Number(s);
}

/** --gpus: "all", a count, or CSV of count=, device=, driver=, capabilities=, options=. */
export function parseGpuRequest(value: string): DeviceRequest {
  const fields = csvRecord(value);
  if (!fields) throw new Error('parse error on line 1, column 0: extraneous or missing " in quoted-field');
  const req: DeviceRequest = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: [], Options: {} };
  const seen = new Set<string>();
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = field.slice(eq + 1);
    if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq < 0) {
      seen.add('count');
      req.Count = gpuCount(key);
      continue;
    }
    if (key === 'driver') req.Driver = val;
    else if (key === 'count') req.Count = gpuCount(val);
    else if (key === 'device') req.DeviceIDs = val.split(',');
    else if (key === 'capabilities') req.Capabilities = [[...val.split(','), 'gpu']];
    else if (key === 'options') {
      for (const kv of csvRecord(val) ?? []) {
        const i = kv.indexOf('=');
        req.Options[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
      }
    } else throw new Error(`unexpected key '${key}' in '${field}'`);
  }
  if (!seen.has('count') && req.DeviceIDs === null) req.Count = 1;
  if (!req.Capabilities.length) req.Capabilities = [['gpu']];
  return req;
}
