/**
 * Default size limits of one canvas (AppOptions maxCanvasNodes / maxCanvasBytes). submit-run
 * commits a whole run in one script, during which Redis serves no other client, so the node
 * limit bounds that pause (docs/performance.md gives the time per node). Raise them when a
 * longer pause is acceptable; split bigger work into several runs otherwise.
 */
export const DEFAULT_MAX_CANVAS_NODES = 250_000;
/** All specs together; Redis itself refuses a single request over 512 MB (proto-max-bulk-len). */
export const DEFAULT_MAX_CANVAS_BYTES = 64 * 1024 * 1024;
/**
 * Most levels of arrays and objects inside each other in one value (a node's arguments or a
 * result). Redis's Lua JSON decoder refuses more than 1000 levels in a spec, and every walk of a
 * value (ours, a schema's) recurses: past this a stack overflows somewhere.
 */
export const MAX_VALUE_DEPTH = 256;
/**
 * Most levels of chains, groups and chords inside each other. Each level can add two levels to
 * an input template (`{"list":[...]}`), which the scripts decode beside the arguments.
 */
export const MAX_CANVAS_DEPTH = 200;
/**
 * Most replacements inside each other: a node added by a replace() may replace itself again, up
 * to this many levels (a handler that always replaces itself would otherwise never end).
 */
export const MAX_REPLACE_DEPTH = 32;
