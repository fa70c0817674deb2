/** Incidents per camera, most first; a click on a bar opens that camera's incidents of the range. */
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { CameraIncidentCount } from "../client";
import { NEUTRAL } from "./colors";
import { AXIS_TICK, GRID, TOOLTIP } from "./theme";

const ROW_PX = 36;

function short(name: string): string {
  return name.length > 16 ? `${name.slice(0, 15)}…` : name;
}

export function CameraChart({
  cameras,
  onOpen,
}: {
  cameras: readonly CameraIncidentCount[];
  onOpen: (camera: CameraIncidentCount) => void;
}) {
  return (
    <div className="chart" data-chart="by-camera">
      <ResponsiveContainer width="100%" height={cameras.length * ROW_PX + 40}>
        <BarChart data={[...cameras]} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} horizontal={false} />
          <XAxis type="number" allowDecimals={false} tick={AXIS_TICK} stroke={GRID} />
          <YAxis
            type="category"
            dataKey="name"
            tick={AXIS_TICK}
            stroke={GRID}
            width={120}
            tickFormatter={short}
          />
          <Tooltip {...TOOLTIP} />
          <Bar
            dataKey="count"
            name="incidents"
            fill={NEUTRAL}
            cursor="pointer"
            isAnimationActive={false}
            barSize={22}
            onClick={(_, index) => {
              const camera = cameras[index];
              if (camera) onOpen(camera);
            }}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
