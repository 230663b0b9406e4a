import { defineScript } from '../script.js';
import type { KeySpace } from '../keys.js';
import { integerReply } from '../script-reply.js';

/** fire-done.lua: a claimed fire's run exists; it leaves the firing set. */
export const fireDone = defineScript<{ readonly keys: KeySpace; readonly member: string }, number>({
  name: 'fire-done',
  keys: ({ keys }) => [keys.schedules.firing],
  args: ({ member }) => [member],
  decode: (reply) => integerReply('fire-done', reply, 'removed'),
});
