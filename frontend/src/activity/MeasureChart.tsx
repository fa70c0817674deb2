/** One measure over the day: the expected band (low–high per hour) and its middle, the observed slots as a
 * line, and the unusual slots as larger triangles in another colour (pointing up: more than expected, down:
 * less), so they stand out without colour too. */
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { AXIS_TICK, GRID, TOOLTIP } from "../history/theme";
import {
  type BandRow,
  formatNumber,
  formatRange,
  formatValue,
  hourLabel,
  isUnusual,
  type SlotPoint,
} from "./activityData";
import { BAND, MID, OBSERVED, UNUSUAL } from "./colors";

const HOUR_TICKS = [0, 3, 6, 9, 12, 15, 18, 21, 24];

/** An unusual slot's mark: a triangle pointing the way the value left the range. */
export function triangle(cx: number, cy: number, up: boolean, size = 6): string {
  const tip = up ? cy - size : cy + size;
  const base = up ? cy + size * 0.7 : cy - size * 0.7;
  return `M${cx},${tip} L${cx + size},${base} L${cx - size},${base} Z`;
}

interface DotProps {
  cx?: number | null;
  cy?: number | null;
  index: number;
  payload?: SlotPoint;
}

function SlotDot({ cx, cy, index, payload }: DotProps) {
  if (cx == null || cy == null || !payload) return <g key={index} />;
  if (isUnusual(payload))
    return (
      <path
        key={index}
        d={triangle(cx, cy, payload.verdict === "high")}
        fill={UNUSUAL}
        stroke="#17202a"
        strokeWidth={1}
        data-unusual={payload.verdict}
      />
    );
  return <circle key={index} cx={cx} cy={cy} r={2} fill={OBSERVED} />;
}

export function MeasureChart({
  band,
  points,
  unit,
  negative,
}: {
  band: readonly BandRow[];
  points: readonly SlotPoint[];
  unit: string;
  /** Values below zero (sound level in dBFS): the axis follows the data instead of starting at 0. */
  negative: boolean;
}) {
  return (
    <div className="chart">
      <ResponsiveContainer width="100%" height={180}>
        <ComposedChart data={[...band]} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis
            type="number"
            dataKey="x"
            domain={[0, 24]}
            ticks={HOUR_TICKS}
            tickFormatter={hourLabel}
            tick={AXIS_TICK}
            stroke={GRID}
            allowDuplicatedCategory={false}
          />
          <YAxis
            tick={AXIS_TICK}
            stroke={GRID}
            width={52}
            domain={negative ? ["auto", "auto"] : [0, "auto"]}
            tickFormatter={(value: number) => formatNumber(value)}
          />
          <Tooltip
            {...TOOLTIP}
            labelFormatter={(x) => hourLabel(Number(x))}
            formatter={(value, name) => [
              Array.isArray(value)
                ? formatRange(Number(value[0]), Number(value[1]), unit)
                : formatValue(Number(value), unit),
              name,
            ]}
          />
          <Area
            dataKey="band"
            name="expected range"
            type="linear"
            stroke="none"
            fill={BAND}
            fillOpacity={0.35}
            isAnimationActive={false}
            activeDot={false}
          />
          <Line
            dataKey="mid"
            name="expected"
            type="linear"
            stroke={MID}
            strokeDasharray="4 3"
            dot={false}
            activeDot={false}
            isAnimationActive={false}
          />
          <Line
            data={[...points]}
            dataKey="value"
            name="seen"
            type="linear"
            stroke={OBSERVED}
            strokeWidth={1.5}
            dot={SlotDot}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
