// The run's DAG as SVG: boxes placed by dagre (see dag-layout.ts), coloured from the live status
// arrays on every render, so a status change recolours without relayout. Wheel zooms around the
// pointer, dragging the background pans, and the drawing is fitted to the view when first drawn.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ViewUnit } from '../../api-types.js';
import { count, duration, isFinished, statusOfCode } from '../format.js';
import { countsText, DISPLAY_ORDER, type LiveView } from '../live-view.js';
import { pathData, type Box, type Layout } from './dag-layout.js';

interface Transform {
  readonly x: number;
  readonly y: number;
  readonly k: number;
}

export interface DagProps {
  readonly live: LiveView;
  readonly layout: Layout;
  /** Bumped on every applied event batch: the arrays in `live` changed in place. */
  readonly version: number;
  /** The drawing is refitted when this changes (a view of a new expansion), not on every refetch. */
  readonly fitKey: string;
  readonly now: number;
  readonly selected: string | null;
  readonly onSelect: (unitId: string) => void;
  readonly onExpand: (groupId: string) => void;
}

const MIN_FIT = 0.6;
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function fit(layout: Layout, svg: SVGSVGElement | null): Transform {
  const width = svg?.clientWidth ?? 1000;
  const height = svg?.clientHeight ?? 600;
  if (layout.width === 0 || layout.height === 0) return { x: 0, y: 0, k: 1 };
  const k = Math.min(1.25, (width - 20) / layout.width, (height - 20) / layout.height);
  // A long chain or a wide expansion fitted whole would be unreadably small: keep boxes legible and
  // show the drawing from its start (top left) along the side that does not fit.
  if (k < MIN_FIT) {
    const fitsX = layout.width * MIN_FIT <= width;
    const fitsY = layout.height * MIN_FIT <= height;
    return { x: fitsX ? (width - layout.width * MIN_FIT) / 2 : 10, y: fitsY ? (height - layout.height * MIN_FIT) / 2 : 10, k: MIN_FIT };
  }
  return { x: (width - layout.width * k) / 2, y: (height - layout.height * k) / 2, k };
}

export function Dag(props: DagProps) {
  const { live, layout, now, selected } = props;
  const svg = useRef<SVGSVGElement>(null);
  const [view, setView] = useState<Transform>({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ x: number; y: number; startX: number; startY: number; moved: boolean } | null>(null);
  // Until the user pans or zooms, the drawing follows the view's size (a side panel opening).
  const touched = useRef(false);
  const latest = useRef(layout);
  latest.current = layout;

  useLayoutEffect(() => {
    touched.current = false;
    setView(fit(latest.current, svg.current));
    // Refit on a new expansion only; a refetch that keeps the shape keeps the user's pan and zoom.
  }, [props.fitKey]);

  useEffect(() => {
    const element = svg.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (!touched.current) setView(fit(latest.current, element));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Wheel listeners must be non-passive to stop the page from scrolling while zooming.
  useEffect(() => {
    const element = svg.current;
    if (!element) return;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      touched.current = true;
      const rect = element.getBoundingClientRect();
      const px = event.clientX - rect.left;
      const py = event.clientY - rect.top;
      setView((old) => {
        const k = Math.min(4, Math.max(0.05, old.k * Math.exp(-event.deltaY * 0.0015)));
        return { k, x: px - ((px - old.x) * k) / old.k, y: py - ((py - old.y) * k) / old.k };
      });
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, []);

  const onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0) return;
    drag.current = { x: view.x, y: view.y, startX: event.clientX, startY: event.clientY, moved: false };
  };
  const onPointerMove = (event: PointerEvent): void => {
    const d = drag.current;
    if (!d) return;
    const dx = event.clientX - d.startX;
    const dy = event.clientY - d.startY;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!d.moved) svg.current?.setPointerCapture(event.pointerId);
    d.moved = true;
    touched.current = true;
    setView((old) => ({ ...old, x: d.x + dx, y: d.y + dy }));
  };
  const onPointerUp = (event: PointerEvent): void => {
    if (drag.current?.moved) svg.current?.releasePointerCapture(event.pointerId);
    // Left set until the click that follows a drag has been ignored.
    setTimeout(() => (drag.current = null), 0);
  };
  const zoomBy = (factor: number): void => {
    touched.current = true;
    const element = svg.current;
    const cx = (element?.clientWidth ?? 0) / 2;
    const cy = (element?.clientHeight ?? 0) / 2;
    setView((old) => ({ k: old.k * factor, x: cx - (cx - old.x) * factor, y: cy - (cy - old.y) * factor }));
  };
  const click = (action: () => void) => (event: MouseEvent) => {
    event.stopPropagation();
    if (drag.current?.moved) return;
    action();
  };

  return (
    <div class="dag-wrap">
      <svg ref={svg} class="dag" onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} data-testid="dag">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0L10,5L0,10z" class="arrowhead" />
          </marker>
        </defs>
        <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          {layout.edges.map((edge) => (
            <path
              key={`${edge.from}>${edge.to}`}
              class={selected === edge.from || selected === edge.to ? 'edge selected' : 'edge'}
              d={pathData(edge.points)}
              marker-end="url(#arrow)"
              data-testid="dag-edge"
              data-from={edge.from}
              data-to={edge.to}
            />
          ))}
          {live.units.map((unit, u) => {
            const box = layout.boxes[u];
            if (box === undefined) return null;
            return (
              <UnitBox key={unit.id} unit={unit} u={u} box={box} live={live} now={now} selected={selected === unit.id} onSelect={click(() => props.onSelect(unit.id))} onExpand={click(() => props.onExpand(unit.id))} />
            );
          })}
        </g>
      </svg>
      <div class="dag-tools">
        <button
          class="btn small"
          onClick={() => {
            touched.current = false;
            setView(fit(layout, svg.current));
          }}
          title="fit the graph to the view"
        >
          Fit
        </button>
        <button class="btn small" onClick={() => zoomBy(1.25)}>
          +
        </button>
        <button class="btn small" onClick={() => zoomBy(1 / 1.25)}>
          −
        </button>
      </div>
    </div>
  );
}

interface UnitBoxProps {
  readonly unit: ViewUnit;
  readonly u: number;
  readonly box: Box;
  readonly live: LiveView;
  readonly now: number;
  readonly selected: boolean;
  readonly onSelect: (event: MouseEvent) => void;
  readonly onExpand: (event: MouseEvent) => void;
}

function UnitBox({ unit, u, box, live, now, selected, onSelect, onExpand }: UnitBoxProps) {
  const status = live.statusOfUnit(u);
  const started = live.startedAt[u]!;
  const finished = live.finishedAt[u]!;
  // A node queued again (resumed, retried) still carries its last start: no duration until it runs.
  const timed = unit.kind === 'group' || status === 'running' || isFinished(status);
  const took = !timed || Number.isNaN(started) ? undefined : (Number.isNaN(finished) ? now : finished) - started;
  const frame = (
    <rect class={`unit-box st-${status}${selected ? ' selected' : ''}`} width={box.width} height={box.height} rx={7} ry={7} />
  );
  if (unit.kind === 'node') {
    const attempts = live.attempts[u]!;
    return (
      <g class="unit" transform={`translate(${box.x},${box.y})`} onClick={onSelect} data-testid="dag-unit" data-unit-id={unit.id} data-kind="node" data-status={status}>
        <title>{`${unit.node.task} (node ${unit.id}): ${status}`}</title>
        {frame}
        <rect class={`unit-stripe st-${status}`} width={5} height={box.height} rx={2} />
        <text x={14} y={23} class="unit-title">
          {clip(unit.node.task, 22)}
        </text>
        <text x={14} y={43} class="unit-sub">
          {`#${unit.id} · ${status}${attempts > 1 ? ` · try ${attempts}` : ''}${took !== undefined ? ` · ${duration(took)}` : ''}`}
        </text>
      </g>
    );
  }
  const counts = live.counts[u]!;
  const summary = `group of ${count(unit.size)}: ${countsText(counts)}`;
  let offset = 0;
  const barWidth = box.width - 28;
  return (
    <g class="unit group" transform={`translate(${box.x},${box.y})`} onClick={onSelect} data-testid="dag-unit" data-unit-id={unit.id} data-kind="group" data-status={status} aria-label={summary}>
      <title>{`${unit.task}: ${summary}`}</title>
      <rect class="unit-shadow" x={6} y={6} width={box.width} height={box.height} rx={7} ry={7} />
      {frame}
      <text x={14} y={22} class="unit-title">
        {clip(unit.task, 22)}
      </text>
      <text x={14} y={40} class="unit-sub strong">{`${unit.remainderOf !== undefined ? 'the other ' : 'group of '}${count(unit.size)}`}</text>
      <text x={14} y={57} class="unit-sub">
        {clip(countsText(counts), 40)}
      </text>
      <g transform={`translate(14,${box.height - 16})`}>
        <rect class="bar-bg" width={barWidth} height={6} rx={3} />
        {DISPLAY_ORDER.map((index) => {
          const n = counts[index] ?? 0;
          if (n === 0) return null;
          const width = (barWidth * n) / Math.max(1, unit.size);
          const x = offset;
          offset += width;
          return <rect key={index} class={`bar-seg st-${statusOfCode(index)}`} x={x} width={width} height={6} />;
        })}
      </g>
      <g class="expand" transform={`translate(${box.width - 70},8)`} onClick={onExpand} data-testid="expand-group" role="button">
        <rect width={60} height={20} rx={4} />
        <text x={30} y={14} text-anchor="middle">
          expand
        </text>
      </g>
    </g>
  );
}

