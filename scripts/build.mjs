// Builds the package into dist/: the compiled modules, their Lua scripts, and one declaration file
// (rolled up by api-extractor, @internal members cut) as dist/celeriac.d.ts for `import` and
// dist/celeriac.d.cts for `require`. Fails when etc/celeriac.api.md no longer matches the public
// surface, unless run with --update-api (`npm run api:update`), so that every change to it is seen.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import apiExtractor from '@microsoft/api-extractor';
import { buildClient } from './build-client.mjs';

const { Extractor, ExtractorConfig } = apiExtractor;
const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => `${root}${path}`;
const updateApi = process.argv.includes('--update-api');

rmSync(at('dist'), { recursive: true, force: true });
rmSync(at('build'), { recursive: true, force: true });
execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', at('tsconfig.build.json')], {
  stdio: 'inherit',
});
// The store reads its scripts at run time from the folder beside its compiled module.
cpSync(at('src/store/scripts/'), at('dist/store/scripts/'), { recursive: true, filter: (source) => !source.endsWith('.ts') });

const result = Extractor.invoke(ExtractorConfig.loadFileAndPrepare(at('api-extractor.json')), {
  localBuild: updateApi,
  // Its notices (which TypeScript it analyses with) would land in the stdout of `npm pack --json`.
  messageCallback: (message) => {
    if (message.logLevel === 'info' || message.logLevel === 'verbose') message.handled = true;
  },
});
if (!result.succeeded) {
  const hint = result.apiReportChanged ? ' The public API changed: if that is meant, run `npm run api:update` and commit etc/celeriac.api.md.' : '';
  console.error(`build: api-extractor failed.${hint}`);
  process.exit(1);
}

// api-extractor cannot tell a public member from an @internal one when it flags a type the entry
// point does not export, so the report is read here: only @internal members may name such types.
const report = readFileSync(at('etc/celeriac.api.md'), 'utf8');
const leaks = [];
let comments = [];
for (const line of report.split('\n')) {
  if (line.trim().startsWith('//')) {
    comments.push(line);
    continue;
  }
  const block = [...comments, line].join('\n');
  if (block.includes('(ae-forgotten-export)') && !/\/\/ @internal\b/.test(block)) leaks.push(block);
  comments = [];
}
if (leaks.length > 0) {
  console.error(`build: the public API names types the package does not export (export them, or mark the member @internal):\n\n${leaks.join('\n\n')}`);
  process.exit(1);
}

// One rolled-up file has no relative imports, so the same text is valid CommonJS declarations.
copyFileSync(at('dist/celeriac.d.ts'), at('dist/celeriac.d.cts'));

// The dashboard's browser client ships built inside the package: a user never runs a front-end build.
await buildClient();
