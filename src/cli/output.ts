/**
 * Exit quietly when the reader of our output goes away (`celeriac list | head`): Node ignores
 * SIGPIPE, so the next write fails with EPIPE, which would otherwise surface as an uncaught
 * 'error' event and its stack trace.
 */
export function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    // The connections still open would keep the process alive for nothing.
    process.exit(0);
  });
}
