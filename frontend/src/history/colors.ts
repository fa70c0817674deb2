/** One colour per incident label, the same in every chart and on every visit, legible on the dark theme
 * (each at least 4.5:1 against the panel colour #17202a). */

const KNOWN: Record<string, string> = {
  violence: "#ef5350",
  gunshot_explosion: "#ff8a65",
  fall: "#ffb74d",
  alarm: "#fff176",
  glass_break: "#aed581",
  loitering: "#4dd0e1",
  intrusion: "#ce93d8",
  distress: "#f48fb1",
  crowding: "#bcaaa4",
};

/** For labels of custom rules, picked by a hash of the name (none too close to the camera blue). */
const OTHERS = ["#81c784", "#9fa8da", "#80cbc4", "#e6ee9c", "#ffcc80", "#b0bec5", "#f8bbd0", "#c5e1a5"];

/** The colour of the bars of all cameras and of the "all" row: the theme's accent. */
export const NEUTRAL = "#4ea1ff";

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

export function labelColor(label: string): string {
  return KNOWN[label] ?? OTHERS[hash(label) % OTHERS.length] ?? NEUTRAL;
}

/** Relative luminance (WCAG) of a `#rrggbb` colour. */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export const ALL_COLOURS = [...Object.values(KNOWN), ...OTHERS];
