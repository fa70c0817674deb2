/** Incidents over time, stacked by label; a click on a bar's part opens those incidents. */
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TimeRow } from "./chartData";
import { labelColor } from "./colors";
import { AXIS_TICK, GRID, TOOLTIP } from "./theme";

export interface OverTimeChartProps {
  rows: readonly TimeRow[];
  labels: readonly string[];
  onOpen: (row: TimeRow, label: string) => void;
}

export function OverTimeChart({ rows, labels, onOpen }: OverTimeChartProps) {
  return (
    <div className="chart" data-chart="over-time">
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={[...rows]} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="tick" tick={AXIS_TICK} stroke={GRID} minTickGap={12} />
          <YAxis allowDecimals={false} tick={AXIS_TICK} stroke={GRID} width={48} />
          <Tooltip
            {...TOOLTIP}
            labelFormatter={(_, payload) => (payload?.[0]?.payload as TimeRow | undefined)?.title ?? ""}
          />
          {labels.map((label) => (
            <Bar
              key={label}
              name={label}
              dataKey={(row: TimeRow) => row.counts[label] ?? 0}
              stackId="labels"
              fill={labelColor(label)}
              cursor="pointer"
              isAnimationActive={false}
              onClick={(_, index) => {
                const row = rows[index];
                if (row) onOpen(row, label);
              }}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
