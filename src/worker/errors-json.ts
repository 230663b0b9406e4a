/** Turn anything a handler threw into the JSON record stored for the node. */
export function serializeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return JSON.stringify({
      name: error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
      ...(typeof code === 'string' ? { code } : {}),
    });
  }
  let text: string;
  try {
    text = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    text = String(error);
  }
  return JSON.stringify({ name: 'NonErrorThrown', message: `a handler threw a non-Error value: ${text}` });
}
