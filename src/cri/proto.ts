// Loads berth's CRI definition (runtime.proto beside the sources) for grpc-js.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** dist/src/cri -> src/cri: the .proto is read from the source tree, never copied into dist. */
export const PROTO_PATH = path.resolve(__dirname, '..', '..', '..', 'src', 'cri', 'runtime.proto');

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface CriServices {
  RuntimeService: grpc.ServiceDefinition;
  ImageService: grpc.ServiceDefinition;
}

export function loadCri(): CriServices {
  const def = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, { service: grpc.ServiceDefinition }> } };
  return { RuntimeService: pkg.runtime.v1.RuntimeService.service, ImageService: pkg.runtime.v1.ImageService.service };
}
