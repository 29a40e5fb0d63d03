// go-units' human sizes as Docker prints them: decimal units ("4.26MB", "0B")
// for disk and transfer sizes, binary ones for memory ("1.5GiB"). One home for
// the daemon's progress text and every CLI table.

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

/** units.HumanSizeWithPrecision: 4 significant digits is units.HumanSize ("2.222MB"); tables use 3 ("2.22MB"). */
export const humanSize = (n: number, precision = 4): string => scaled(n, 1000, DECIMAL, precision);

/** units.BytesSize: "1.5GiB" (docker stats). */
export const bytesSize = (n: number): string => scaled(n, 1024, BINARY, 4);
