// A tiny RGB raster and PNG writer (node:zlib for the IDAT stream, our own
// CRC-32), with rectangles, lines and bitmap text: enough for bar charts.
import * as zlib from 'node:zlib';
import { ADVANCE, GLYPH_H, glyph } from './font';

export type RGB = [number, number, number];

export class Raster {
  readonly data: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
    background: RGB = [255, 255, 255],
  ) {
    this.data = Buffer.alloc(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, c: RGB): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (Math.floor(y) * this.width + Math.floor(x)) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  fillRect(x: number, y: number, w: number, h: number, c: RGB): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.setPixel(xx, yy, c);
  }

  /** Dashed or solid vertical line. */
  vline(x: number, y0: number, y1: number, c: RGB, width = 1, dash = 0): void {
    for (let y = Math.round(y0); y < Math.round(y1); y++) {
      if (dash && Math.floor((y - y0) / dash) % 2 === 1) continue;
      this.fillRect(x, y, width, 1, c);
    }
  }

  hline(x0: number, x1: number, y: number, c: RGB, width = 1): void {
    this.fillRect(x0, y, x1 - x0, width, c);
  }

  /** Draws text with its top-left corner at (x, y); returns the width drawn. */
  text(x: number, y: number, s: string, c: RGB, scale = 2): number {
    let cx = x;
    for (const ch of s) {
      const g = glyph(ch);
      for (let row = 0; row < g.length; row++)
        for (let col = 0; col < g[row].length; col++) if (g[row][col]) this.fillRect(cx + col * scale, y + row * scale, scale, scale, c);
      cx += ADVANCE * scale;
    }
    return cx - x;
  }

  encodePng(): Buffer {
    const stride = this.width * 3;
    const raw = Buffer.alloc((stride + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (stride + 1)] = 0; // filter: none
      this.data.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    ihdr[10] = 0; // deflate
    ihdr[11] = 0; // adaptive filtering
    ihdr[12] = 0; // no interlace
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

export function textWidth(s: string, scale = 2): number {
  return [...s].length * ADVANCE * scale - scale;
}

/** Height of a line of text, descenders included. */
export function textHeight(scale = 2): number {
  return GLYPH_H * scale;
}

function chunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const tb = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(tb));
  return Buffer.concat([len, tb, crc]);
}

let table: Uint32Array | undefined;
export function crc32(buf: Buffer): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
