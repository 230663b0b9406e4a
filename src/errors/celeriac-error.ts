/**
 * Base class of every error celeriac throws on purpose. `code` is stable across versions and is
 * what callers should switch on; the message is for humans and may change.
 */
export abstract class CeleriacError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
