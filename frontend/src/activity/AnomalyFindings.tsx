/** An anomaly incident's findings in the baseline's words: the measure, what was seen, the range expected
 * at that hour and the history it rests on. */
import { Link } from "@tanstack/react-router";
import type { IncidentDetail } from "../client";
import { anomalyFindings } from "./activityData";

export function AnomalyFindings({ incident }: { incident: IncidentDetail }) {
  const findings = anomalyFindings(incident.explanation);
  if (findings.length === 0) return null;
  return (
    <section aria-labelledby="unusual" className="anomaly-findings">
      <h2 id="unusual">What was unusual</h2>
      <ul>
        {findings.map((words) => (
          <li key={words}>{words}</li>
        ))}
      </ul>
      <p className="hint">
        Compared with this camera's usual activity at the same hour of the week:{" "}
        <Link to="/cameras/$cameraId" params={{ cameraId: String(incident.camera_id) }}>
          its activity beside the baseline
        </Link>
        .
      </p>
    </section>
  );
}
