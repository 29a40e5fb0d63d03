// Go's encoding/json matches object keys to struct fields without regard to case,
// so clients send `detachKeys` where the API documents `DetachKeys` (docker-py does):
// rename such keys to the documented spelling before the engine sees the body.
export function foldKeys<T extends Record<string, unknown>>(body: T, fields: readonly string[]): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const byLower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const canon = byLower.get(k.toLowerCase()) ?? k;
    // the exact spelling wins over a folded one, as in Go
    if (canon !== k && canon in body) continue;
    out[canon] = v;
  }
  return out as T;
}

export const EXEC_CONFIG_FIELDS = [
  'User', 'Privileged', 'Tty', 'ConsoleSize', 'AttachStdin', 'AttachStderr', 'AttachStdout',
  'Detach', 'DetachKeys', 'Env', 'WorkingDir', 'Cmd',
] as const;
