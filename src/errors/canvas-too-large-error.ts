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
  readonly size: number;
  readonly limit: number;

  constructor(measure: 'nodes' | 'bytes', size: number, limit: number) {
    super(
      measure === 'nodes'
        ? `the canvas has ${size} nodes, more than maxCanvasNodes (${limit})`
        : `the canvas's specs encode to at least ${size} bytes, more than maxCanvasBytes (${limit})`,
    );
    this.measure = measure;
    this.size = size;
    this.limit = limit;
  }
}
