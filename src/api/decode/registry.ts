// POST /auth (registry.AuthConfig; Go matches its lower-case keys case-insensitively).
import type { AuthConfig } from '../../common/credentials';
import { opt, string, struct } from './codec';
import type { Json } from './json';

const authConfig = struct<AuthConfig>(
  'registry.AuthConfig',
  {
    username: opt(string),
    password: opt(string),
    auth: opt(string),
    email: opt(string),
    serveraddress: opt(string),
    identitytoken: opt(string),
    registrytoken: opt(string),
  },
  () => ({}),
);

export function decodeAuthConfig(v: Json | undefined): AuthConfig {
  return v === undefined || v === null ? {} : authConfig.decode(v, undefined, {});
}
