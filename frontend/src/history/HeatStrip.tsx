/** Incidents by local hour of day: a row per label (and "all"), 24 cells, stronger colour for more. */
import { Link } from "@tanstack/react-router";
import type { IncidentFilters } from "../incidents/filters";
import type { HeatRow } from "./chartData";

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
const pad = (n: number) => String(n).padStart(2, "0");

export function HeatStrip({
  rows,
  searchFor,
}: {
  rows: readonly HeatRow[];
  /** The incidents page's search that a cell opens. */
  searchFor: (label: string, hour: number) => IncidentFilters;
}) {
  return (
    <div className="heat-scroll">
      <table className="heat">
        <caption className="visually-hidden">Incidents by local hour of day, per label</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Label</span>
            </th>
            {HOURS.map((hour) => (
              <th key={hour} scope="col">
                {pad(hour)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label} data-label={row.label}>
              <th scope="row">
                <span className="swatch" style={{ background: row.colour }} aria-hidden="true" />
                {row.label}
              </th>
              {row.cells.map((cell) => (
                <td key={cell.hour}>
                  {cell.count > 0 ? (
                    <Link
                      to="/incidents"
                      search={searchFor(row.label, cell.hour)}
                      className="heat-cell"
                      style={{ background: cell.background, color: cell.text }}
                      aria-label={cell.name}
                      title={cell.name}
                    >
                      {cell.count}
                    </Link>
                  ) : (
                    <span className="heat-cell empty" title={cell.name}>
                      <span className="visually-hidden">{cell.name}</span>
                    </span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
