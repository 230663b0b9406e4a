import { CeleriacError } from './celeriac-error.js';

/** Arguments or a result encode to more bytes than `maxPayloadBytes` allows. */
export class PayloadTooLargeError extends CeleriacError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly path: string;
  readonly bytes: number;
  readonly limit: number;

  constructor(path: string, bytes: number, limit: number) {
    super(`${path}: encodes to ${bytes} bytes, over the limit of ${limit} (maxPayloadBytes)`);
    this.path = path;
    this.bytes = bytes;
    this.limit = limit;
  }
}
