// POST /volumes/create (volume.CreateOptions).
import type { CreateVolumeRequest } from '../../engine';
import { map, opt, string, struct } from './codec';
import type { Json } from './json';

const createOptions = struct<CreateVolumeRequest>(
  'volume.CreateOptions',
  { Name: opt(string), Driver: opt(string), DriverOpts: map(string), Labels: map(string) },
  () => ({}),
);

export function decodeVolumeCreate(v: Json | undefined): CreateVolumeRequest {
  return v === undefined || v === null ? {} : createOptions.decode(v, undefined, {});
}
