// Errors in a Dockerfile name the file and the line: `Dockerfile:12: unknown
// instruction: FOO`. They are bad requests (400) on the API.
import { EngineError } from '../../util/errors';

export class DockerfileError extends EngineError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly endLine: number,
    /** The message without the location. */
    readonly detail: string,
  ) {
    super(400, line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
    this.name = 'DockerfileError';
  }
}

/** Where an instruction came from, for error messages. */
export interface Location {
  file: string;
  line: number;
  endLine: number;
}

export function errorAt(loc: Location, detail: string): DockerfileError {
  return new DockerfileError(loc.file, loc.line, loc.endLine, detail);
}

/** Rethrows any error as a DockerfileError at loc (keeps one that already has a location). */
export function atLocation(loc: Location, e: unknown): DockerfileError {
  if (e instanceof DockerfileError) return e;
  return errorAt(loc, e instanceof Error ? e.message : String(e));
}
