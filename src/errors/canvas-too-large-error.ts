import { CeleriacError } from './celeriac-error.js';

/**
 * A canvas has more nodes than `maxCanvasNodes`, or its specs encode to more bytes than
 * `maxCanvasBytes`: submitting it would hold Redis for too long in one script, or fill it.
 * Nothing was written.
 */
export class CanvasTooLargeError extends CeleriacError {
  readonly code = 'CANVAS_TOO_LARGE';
  /** What went over: 'nodes' or 'bytes'. */
  readonly measure: 'nodes' | 'bytes';
  /** The size measured; a lower bound when `partial` (the walk stopped as soon as it went over). */
  readonly size: number;
  readonly limit: number;
  /** The canvas was refused while it was walked: it has at least `size` nodes, maybe many more. */
  readonly partial: boolean;

  constructor(measure: 'nodes' | 'bytes', size: number, limit: number, partial = false) {
    super(
      measure === 'bytes'
        ? `the canvas's specs encode to at least ${size} bytes, more than maxCanvasBytes (${limit})`
        : partial
          ? `the canvas has more than maxCanvasNodes (${limit}) nodes (refused at node ${size}, before compiling the rest)`
          : `the canvas has ${size} nodes, more than maxCanvasNodes (${limit})`,
    );
    this.partial = partial;
    this.measure = measure;
    this.size = size;
    this.limit = limit;
  }
}
