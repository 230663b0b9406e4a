// The Lua scripts are read at run time next to the compiled store module: copy them into dist/.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/store/scripts/', import.meta.url), new URL('../dist/store/scripts/', import.meta.url), {
  recursive: true,
});
