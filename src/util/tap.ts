// A pass-through stream that shows the caller every chunk on its way (to hash,
// count or copy it). An exception from `look` fails the stream with it.
import { Transform } from 'node:stream';

export function tap(look: (chunk: Buffer) => void, atEnd?: () => void): Transform {
  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _e, cb) {
      try {
        look(chunk);
      } catch (e) {
        return cb(e as Error);
      }
      cb(null, chunk);
    },
    flush(cb) {
      atEnd?.();
      cb();
    },
  });
}
