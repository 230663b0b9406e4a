// A queue's throughput (succeeded and failed per bucket) drawn by uPlot. The chart is made once
// and fed new data on each poll, so a refresh does not rebuild it.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ThroughputPoint } from '../../api-types.js';

export function ThroughputChart({ points, width = 520, height = 150 }: { points: readonly ThroughputPoint[]; width?: number; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [points.map((p) => p.at / 1000), points.map((p) => p.succeeded), points.map((p) => p.failed)];

  useEffect(() => {
    if (!host.current) return;
    chart.current = new uPlot(
      {
        width,
        height,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{ stroke: '#667085', grid: { stroke: '#eef0f3' } }, { stroke: '#667085', grid: { stroke: '#eef0f3' }, size: 60 }],
        series: [
          {},
          { label: 'succeeded', stroke: '#1f9d55', fill: 'rgba(31,157,85,0.12)', width: 1.5 },
          { label: 'failed', stroke: '#d64545', fill: 'rgba(214,69,69,0.10)', width: 1.5 },
        ],
      },
      data,
      host.current,
    );
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [width, height]);

  useEffect(() => {
    chart.current?.setData(data);
  });

  return <div class="chart" ref={host} data-testid="throughput-chart" />;
}
