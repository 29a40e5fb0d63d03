// berthd's own version: the Engine API's Server header and /version, the CRI's
// runtime version, `berthd --version`.
export const SERVER_VERSION = '0.1.0';
