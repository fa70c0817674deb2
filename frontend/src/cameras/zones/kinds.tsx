/** The kinds of zone in the words the editor shows, and what makes a set of zones unsavable. */
import type { ZoneKind, ZoneSpec } from "../../client";

export const ZONE_KIND_NAMES: Record<ZoneKind, string> = {
  restricted: "restricted",
  loiter: "loiter",
  privacy: "privacy mask",
};

export function badgeClass(kind: ZoneKind): string {
  if (kind === "privacy") return "badge privacy";
  return `badge ${kind === "restricted" ? "bad" : "warn"}`;
}

/** The options of a zone kind select. */
export function ZoneKindOptions() {
  return (
    <>
      <option value="restricted">Restricted: nobody should be there</option>
      <option value="loiter">Loiter: nobody should linger</option>
      <option value="privacy">Privacy mask: blacked out everywhere</option>
    </>
  );
}

export function zoneProblem(zones: readonly ZoneSpec[]): string | null {
  const names = zones.map((zone) => zone.name.trim());
  if (names.some((name) => name === "")) return "Every zone needs a name.";
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  return repeated ? `Two zones are named ${repeated}: zone names must be unique.` : null;
}
