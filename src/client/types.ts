// Engine API answers the clients (the berth CLI, berth compose) read, in the
// API's own shape.

/** One published or exposed port of GET /containers/json. */
export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** One row of GET /containers/json. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: PortSummary[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  Mounts?: Array<{ Name?: string; Source?: string; Type?: string; Driver?: string }>;
  NetworkSettings?: { Networks?: Record<string, unknown> };
}
