import { describe, expect, it } from "vitest";
import { matches, PAGE_SIZE, parseFilters, toQuery } from "./filters";

describe("parseFilters", () => {
  it("keeps usable values from the address bar", () => {
    expect(
      parseFilters({ camera: "3", label: " fight ", status: "new", minConfidence: "70", page: "2" }),
    ).toEqual({
      camera: 3,
      label: "fight",
      status: "new",
      minConfidence: 70,
      page: 2,
    });
  });

  it("keeps a time range typed in local time", () => {
    expect(parseFilters({ since: "2026-11-24T08:00", until: "2026-11-24T18:30" })).toEqual({
      since: "2026-11-24T08:00",
      until: "2026-11-24T18:30",
    });
    expect(parseFilters({ since: "yesterday", until: "2026-13-45T99:99" })).toEqual({});
  });

  it("drops what the API would refuse", () => {
    expect(
      parseFilters({ camera: "abc", label: "  ", status: "deleted", minConfidence: "x", page: "0" }),
    ).toEqual({});
    expect(parseFilters({ camera: -1, minConfidence: "" })).toEqual({});
    expect(parseFilters({ minConfidence: 250 })).toEqual({ minConfidence: 100 });
  });
});

describe("toQuery", () => {
  it("maps filters to the API's parameters, confidence as a fraction", () => {
    expect(toQuery({ camera: 2, label: "scream", status: "acknowledged", minConfidence: 65 })).toEqual({
      camera_id: 2,
      label: "scream",
      status: "acknowledged",
      min_confidence: 0.65,
      limit: PAGE_SIZE,
      offset: 0,
    });
  });

  it("sends the time range as absolute instants", () => {
    const query = toQuery({ since: "2026-11-24T08:00", until: "2026-11-24T18:30" });
    expect(query.since).toBe(new Date(2026, 10, 24, 8, 0).toISOString());
    expect(query.until).toBe(new Date(2026, 10, 24, 18, 30).toISOString());
  });

  it("sends only paging when nothing is filtered, and pages by offset", () => {
    expect(toQuery({})).toEqual({ limit: PAGE_SIZE, offset: 0 });
    expect(toQuery({ page: 3, minConfidence: 0 })).toEqual({ limit: PAGE_SIZE, offset: 2 * PAGE_SIZE });
  });
});

describe("matches", () => {
  const incident = { camera_id: 2, label: "fight", confidence: 0.8 };

  it("accepts a live incident that fits the filters", () => {
    expect(matches({}, incident)).toBe(true);
    expect(matches({ camera: 2, label: "fight", status: "new", minConfidence: 80 }, incident)).toBe(true);
  });

  it("rejects one that does not, or when the user is on a later page", () => {
    expect(matches({ camera: 1 }, incident)).toBe(false);
    expect(matches({ label: "scream" }, incident)).toBe(false);
    expect(matches({ status: "resolved" }, incident)).toBe(false);
    expect(matches({ minConfidence: 81 }, incident)).toBe(false);
    expect(matches({ page: 2 }, incident)).toBe(false);
    expect(matches({ until: "2026-11-24T18:30" }, incident)).toBe(false);
  });
});

describe("severity groups", () => {
  it("parses, sends and matches the group", () => {
    expect(parseFilters({ group: "alert" }).group).toBe("alert");
    expect(parseFilters({ group: "urgent" }).group).toBeUndefined();
    expect(toQuery({ group: "detection" }).group).toBe("detection");
    const live = { camera_id: 1, label: "scream", confidence: 0.9 };
    expect(matches({ group: "alert" }, { ...live, severity: "high" })).toBe(true);
    expect(matches({ group: "alert" }, { ...live, severity: "low" })).toBe(false);
    expect(matches({ group: "detection" }, { ...live, severity: "medium" })).toBe(true);
  });
});

describe("what was said", () => {
  it("searches the transcripts and keeps live incidents out of a search", () => {
    const filters = parseFilters({ said: "  let me go " });
    expect(filters).toEqual({ said: "let me go" });
    expect(toQuery(filters).transcript).toBe("let me go");
    expect(parseFilters({ said: "   " })).toEqual({});
    expect(matches(filters, { camera_id: 1, label: "distress", confidence: 0.9 })).toBe(false);
  });
});
