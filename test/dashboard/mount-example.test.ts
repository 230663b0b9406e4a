import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../src/dashboard/api-types.js';
import { redisUrl } from '../helpers/apps.js';
import { startExample } from '../../workflows/dashboard-mount.js';

describe('workflows/dashboard-mount.ts', () => {
  it('serves its own routes and the dashboard under /celeriac side by side', async () => {
    const example = await startExample({ redis: redisUrl(), prefix: `test-${randomUUID()}`, port: 0 });
    try {
      expect(await (await fetch(`${example.url}/`)).text()).toContain('my app');
      const { runId } = (await (await fetch(`${example.url}/sum`, { method: 'POST' })).json()) as { runId: string };
      const view = (await (await fetch(`${example.url}/celeriac/api/runs/${runId}/view`)).json()) as RunView;
      expect(view.units.map((unit) => unit.id)).toEqual(['0', 'g1', '21']);
      expect((await fetch(`${example.url}/celeriac/api/nothing`)).status).toBe(404);
    } finally {
      await example.close();
    }
  });
});
