// go-units' human sizes as the docker CLI prints them: decimal units with three
// significant digits ("4.26MB", "0B"), and binary ones for memory ("1.5GiB").

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(n: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return `${Number(n.toPrecision(precision))}${units[i]}`;
}

/** units.HumanSizeWithPrecision(n, 3): "4.26MB". */
export const humanSize = (n: number): string => scaled(n, 1000, DECIMAL, 3);

/** units.BytesSize: "1.5GiB" (docker stats uses this). */
export const bytesSize = (n: number): string => scaled(n, 1024, BINARY, 4);
