// A CommonJS module of tasks, as a CommonJS codebase would write it, for `celeriac worker tasks.cjs`.
const { createApp } = require('celeriac');

const app = createApp({ prefix: 'replaced-by-the-command-line' });
app.task({ name: 'shout' }, (text) => `${text.toUpperCase()}!`);

module.exports = { app };
