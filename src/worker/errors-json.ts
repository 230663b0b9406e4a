/**
 * Turn anything a handler threw into the JSON record stored for the node. Never throws: a thrown
 * value whose getters, toJSON or toString throw is described as well as it can be, so that a
 * hostile throw still fails the node instead of the worker's report of it.
 */
export function serializeError(error: unknown): string {
  if (error instanceof Error) {
    try {
      const code = (error as { code?: unknown }).code;
      return JSON.stringify({
        name: String(error.name),
        message: String(error.message),
        ...(error.stack ? { stack: String(error.stack) } : {}),
        ...(typeof code === 'string' ? { code } : {}),
      });
    } catch {
      return JSON.stringify({ name: 'Error', message: 'a handler threw an Error whose fields could not be read' });
    }
  }
  return JSON.stringify({ name: 'NonErrorThrown', message: `a handler threw a non-Error value: ${describeThrown(error)}` });
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // not JSON: try String()
  }
  try {
    return String(value);
  } catch {
    return `an unprintable ${typeof value}`;
  }
}
