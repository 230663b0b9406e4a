/**
 * Default size limits of one canvas (AppOptions maxCanvasNodes / maxCanvasBytes). submit-run
 * commits a whole run in one script, during which Redis serves no other client, so the node
 * limit bounds that pause (docs/performance.md gives the time per node). Raise them when a
 * longer pause is acceptable; split bigger work into several runs otherwise.
 */
export const DEFAULT_MAX_CANVAS_NODES = 250_000;
/** All specs together; Redis itself refuses a single request over 512 MB (proto-max-bulk-len). */
export const DEFAULT_MAX_CANVAS_BYTES = 64 * 1024 * 1024;
