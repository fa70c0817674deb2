/** Recharts styling for the dark theme (the values of styles.css's variables). */
export const GRID = "#2a3746";
export const AXIS_TICK = { fill: "#9fb0c2", fontSize: 12 };
export const TOOLTIP = {
  contentStyle: { background: "#17202a", border: "1px solid #2a3746", borderRadius: 6, color: "#e8edf2" },
  labelStyle: { color: "#e8edf2", fontWeight: 600 },
  itemStyle: { color: "#e8edf2" },
  cursor: { fill: "#ffffff14" },
};
