/**
 * Default size limits of one canvas (AppOptions maxCanvasNodes / maxCanvasBytes). submit-run
 * commits a whole run in one script, about 1.8 µs of Redis time per node on a small machine (the
 * specs are staged before it by plain HSETs): 250,000 nodes hold Redis for about half a second,
 * during which no other client is served. Raise them when that is acceptable; split bigger work
 * into several runs otherwise.
 */
export const DEFAULT_MAX_CANVAS_NODES = 250_000;
/** All specs together; Redis itself refuses a single request over 512 MB (proto-max-bulk-len). */
export const DEFAULT_MAX_CANVAS_BYTES = 64 * 1024 * 1024;
