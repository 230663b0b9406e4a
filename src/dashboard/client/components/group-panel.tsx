// A collapsed group's side panel: its counts, its failed members (found by scanning its ranges
// once per render, on demand only), a way to open any member, and the expand control.
import { useState } from 'preact/hooks';
import type { ViewUnit } from '../../api-types.js';
import { count } from '../format.js';
import { countsText, memberIds, type LiveView } from '../live-view.js';
import { CountsBar } from './common.js';

export interface GroupPanelProps {
  readonly live: LiveView;
  readonly unit: Extract<ViewUnit, { kind: 'group' }>;
  readonly version: number;
  readonly onSelectNode: (nodeId: string) => void;
  readonly onExpand: (groupId: string) => void;
  readonly onClose: () => void;
}

const FAILED_CODE = 5;
const RUNNING_CODE = 3;

export function GroupPanel({ live, unit, onSelectNode, onExpand, onClose }: GroupPanelProps) {
  const [member, setMember] = useState('');
  const u = live.unitIndex.get(unit.id) ?? -1;
  const counts = live.counts[u] ?? new Int32Array(7);
  const pick = (code: number): number[] => {
    const found: number[] = [];
    for (const id of memberIds(unit)) {
      if (live.codes[id] === code) found.push(id);
      if (found.length >= 20) break;
    }
    return found;
  };
  const failed = (counts[FAILED_CODE] ?? 0) > 0 ? pick(FAILED_CODE) : [];
  const running = (counts[RUNNING_CODE] ?? 0) > 0 ? pick(RUNNING_CODE) : [];
  const first = unit.members[0]?.[0] ?? 0;
  return (
    <aside class="panel" data-testid="group-panel">
      <div class="panel-head">
        <h2>
          {unit.task} <span class="muted">×{count(unit.size)}</span>
        </h2>
        <button class="btn small" onClick={onClose} title="close">
          ✕
        </button>
      </div>
      <p>
        group of {count(unit.size)}: {countsText(counts)}
      </p>
      {unit.remainderOf !== undefined && <p class="muted small">The members of {unit.remainderOf} not drawn yet.</p>}
      <CountsBar counts={counts} total={unit.size} labels={false} />
      <p class="muted small mono">members {unit.members.map(([a, b]) => (a === b ? `#${a}` : `#${a}–#${b}`)).join(', ')}</p>
      <button class="btn" data-testid="expand-group-panel" onClick={() => onExpand(unit.id)}>
        {unit.size > 500 ? 'Expand the first 500 members' : `Expand into ${count(unit.size)} nodes`}
      </button>
      {failed.length > 0 && <MemberList title="Failed members" ids={failed} more={(counts[FAILED_CODE] ?? 0) - failed.length} onSelect={onSelectNode} />}
      {running.length > 0 && <MemberList title="Running members" ids={running} more={(counts[RUNNING_CODE] ?? 0) - running.length} onSelect={onSelectNode} />}
      <form
        class="member-open"
        onSubmit={(event) => {
          event.preventDefault();
          const id = member.trim().replace(/^#/, '');
          if (id !== '') onSelectNode(id);
        }}
      >
        <input class="input" placeholder={`node id, e.g. ${first}`} value={member} onInput={(event) => setMember(event.currentTarget.value)} />
        <button class="btn" type="submit">
          Open member
        </button>
      </form>
    </aside>
  );
}

function MemberList({ title, ids, more, onSelect }: { title: string; ids: readonly number[]; more: number; onSelect: (id: string) => void }) {
  return (
    <section>
      <h3>{title}</h3>
      <div class="node-links">
        {ids.map((id) => (
          <button key={id} class="linkish mono" onClick={() => onSelect(String(id))}>
            #{id}
          </button>
        ))}
        {more > 0 && <span class="muted"> and {count(more)} more</span>}
      </div>
    </section>
  );
}
