// Crash injection for the recovery tests. berthd arms one named step once at
// start (BERTHD_CRASH_AT); the daemon SIGKILLs itself when it reaches that
// step, so a test can cut every operation at every step, not by timing luck.
// Unarmed, a step costs one null check.

/** Each step is a point between two effects of an operation, named operation.after-what. */
export const CRASH_STEPS = {
  'create.filesystem': 'the writable layer exists, the record is not written yet',
  'create.record': 'the record is written, the create not yet answered',
  'start.rootfs': 'the root filesystem is mounted, nothing else done',
  'start.network': 'the network namespace is wired (netavark setup done), the runtime not created',
  'start.spec': 'the OCI bundle is written, the runtime not created',
  'start.created': 'runc created the container under conmon, its process not started',
  'start.running': 'runc started the process, the record does not say running yet',
  'start.recorded': 'the record says running, the start not yet answered',
  'stop.signalled': 'the stop signal was sent, its exit not seen',
  'exit.network': 'an exit was seen and its network torn down, the mounts still there',
  'exit.unmounted': 'an exit was seen, network and mounts gone, the record still says running',
  'rm.killed': 'a forced removal killed the process, its exit not recorded',
  'rm.record': 'the record is gone (its directory moved to tmp), runc state not deleted',
  'pull.layer': 'a pulled layer is in the layer store, the image not recorded',
  'pull.image': 'the pulled image is recorded, not tagged',
  'build.step': 'a RUN step container exited, its layer not committed',
  'build.image': 'the built image is recorded, not tagged',
} as const;

export type CrashStep = keyof typeof CRASH_STEPS;

let armed: CrashStep | null = null;

/** Arms one step (or none); an unknown name is an error, not a silent no-op. */
export function armCrashAt(step: string | undefined): void {
  if (!step) {
    armed = null;
    return;
  }
  if (!(step in CRASH_STEPS)) throw new Error(`unknown crash step "${step}" (known: ${Object.keys(CRASH_STEPS).join(', ')})`);
  armed = step as CrashStep;
}

/** The daemon dies here when this step is armed. */
export function crashPoint(step: CrashStep): void {
  if (armed === null || armed !== step) return;
  process.kill(process.pid, 'SIGKILL');
}
