/** Which stored incidents can be replayed, and how a replay's findings read. */
import type { IncidentListItem } from "../client";

/** What replay needs of an incident's details: the kinds of its artifacts. */
export interface WithArtifacts {
  artifacts: readonly { kind: string }[];
}

export interface ReplayChoice {
  id: number;
  text: string;
}

/** Whether an incident has a stored clip (only those can be replayed). */
export function hasClip(detail: WithArtifacts | undefined): boolean {
  return detail?.artifacts.some((artifact) => artifact.kind === "clip") ?? false;
}

/** The incidents (newest first, as listed) whose details say they have a clip, as select options. */
export function replayChoices(
  incidents: readonly IncidentListItem[],
  details: ReadonlyMap<number, WithArtifacts>,
  cameraName: (id: number) => string,
  time: (iso: string) => string,
): ReplayChoice[] {
  return incidents
    .filter((incident) => hasClip(details.get(incident.id)))
    .map((incident) => ({
      id: incident.id,
      text: `${incident.label} · ${cameraName(incident.camera_id)} · ${time(incident.started_at)}`,
    }));
}

/** Whether an incident without a clip may still get one (it is open, or closed recently: the clip is cut
 *  after the close and the post-roll), so its details are worth asking for again. */
export function clipMayCome(
  incident: Pick<IncidentListItem, "ended_at">,
  now: number,
  withinMs = 300_000,
): boolean {
  if (incident.ended_at === null) return true;
  const ended = Date.parse(incident.ended_at);
  return Number.isNaN(ended) || now - ended < withinMs;
}

/** Seconds into the clip as m:ss.s ("0:04.2", "1:02.0"). */
export function clipTime(seconds: number): string {
  const safe = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  const minutes = Math.floor(safe / 60);
  const rest = safe - minutes * 60;
  return `${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
}
