// Network requests: create (network.CreateRequest), connect and disconnect.
import type { EndpointConfig } from '../../container/types';
import type { IpamConfig, NetworkCreateRequest } from '../../network/types';
import { bool, embed, map, opt, ptr, slice, string, struct, type Codec, type Fields } from './codec';
import { endpointSettings } from './container';
import type { Json } from './json';

const ipamConfig = struct<IpamConfig>(
  'network.IPAMConfig',
  { Subnet: string, IPRange: opt(string), Gateway: opt(string), AuxiliaryAddresses: opt(map(string)) },
  () => ({ Subnet: '' }),
);

type Ipam = NonNullable<NetworkCreateRequest['IPAM']>;
const ipam = struct<Ipam>(
  'network.IPAM',
  { Driver: opt(string), Options: map(string), Config: slice(ipamConfig, '[]network.IPAMConfig') as Codec<IpamConfig[] | null> },
  () => ({}),
);

type CreateOptions = Omit<NetworkCreateRequest, 'Name' | 'CheckDuplicate'>;
const createOptions: Fields<CreateOptions> = {
  Driver: opt(string),
  Scope: opt(string),
  EnableIPv6: ptr(bool),
  IPAM: ptr(ipam),
  Internal: opt(bool),
  Attachable: opt(bool),
  Ingress: opt(bool),
  ConfigOnly: opt(bool),
  ConfigFrom: ptr(struct<{ Network?: string }>('network.ConfigReference', { Network: opt(string) }, () => ({}))),
  Options: map(string),
  Labels: map(string),
};

const createRequest = struct<NetworkCreateRequest>(
  'network.CreateRequest',
  { ...embed('CreateOptions', createOptions), Name: string, CheckDuplicate: opt(bool) },
  () => ({ Name: '' }),
);

export function decodeNetworkCreate(v: Json | undefined): NetworkCreateRequest {
  return v === undefined || v === null ? { Name: '' } : createRequest.decode(v, undefined, { Name: '' });
}

export interface ConnectRequest {
  Container: string;
  EndpointConfig?: EndpointConfig | null;
}

const connect = struct<ConnectRequest>('network.ConnectOptions', { Container: string, EndpointConfig: ptr(endpointSettings) }, () => ({ Container: '' }));

export function decodeNetworkConnect(v: Json | undefined): ConnectRequest {
  return v === undefined || v === null ? { Container: '' } : connect.decode(v, undefined, { Container: '' });
}

export interface DisconnectRequest {
  Container: string;
  Force: boolean;
}

const disconnect = struct<DisconnectRequest>('network.DisconnectOptions', { Container: string, Force: bool }, () => ({ Container: '', Force: false }));

export function decodeNetworkDisconnect(v: Json | undefined): DisconnectRequest {
  return v === undefined || v === null ? { Container: '', Force: false } : disconnect.decode(v, undefined, { Container: '', Force: false });
}
