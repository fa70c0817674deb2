import { describe, expect, it } from "vitest";
import type { AlertRoutePublic } from "../client";
import { checkRoute, emptyRoute, labelsInRules, routeValues, scheduleText, updateBody } from "./form";

const stored: AlertRoutePublic = {
  id: 4,
  owner_id: "u1",
  name: "Night desk",
  enabled: true,
  channel: "webhook",
  target: "https://example.org/hook",
  cameras: [3, 1],
  labels: ["distress", "custom_thing"],
  min_confidence: 0.55,
  schedule: [{ start: "22:00", end: "06:00", days: ["fri", "sat"] }],
  timezone: "Europe/Paris",
  cooldown_s: 120,
  update_step: 0.15,
  update_interval_s: 30,
  max_updates: 2,
  notify_close: false,
  has_webhook_secret: true,
  created_at: "2026-12-02T06:00:00Z",
  updated_at: "2026-12-02T06:00:00Z",
};

describe("checkRoute", () => {
  it("makes the defaults a route for every camera and label, always active", () => {
    const { body, errors } = checkRoute({ ...emptyRoute(), target: " guard@example.org " });
    expect(errors).toEqual({});
    expect(body).toMatchObject({
      channel: "email",
      target: "guard@example.org",
      cameras: null,
      labels: null,
      min_confidence: 0,
      schedule: [],
      timezone: null,
      cooldown_s: 300,
      update_step: 0.1,
      update_interval_s: 60,
      max_updates: 3,
      notify_close: true,
      webhook_secret: "",
    });
  });

  it("round-trips a stored route: percentages, windows, chosen cameras and typed labels", () => {
    const values = routeValues(stored, ["distress", "violence"]);
    expect(values.labels).toEqual(["distress"]);
    expect(values.otherLabels).toBe("custom_thing");
    expect(values.minConfidence).toBe("55");
    expect(values.updateStepPct).toBe("15");
    expect(values.webhookSecret).toBe("");
    const { body, errors } = checkRoute(values);
    expect(errors).toEqual({});
    expect(body).toMatchObject({
      cameras: [1, 3],
      labels: ["distress", "custom_thing"],
      min_confidence: 0.55,
      update_step: 0.15,
      schedule: [{ start: "22:00", end: "06:00", days: ["fri", "sat"] }],
      timezone: "Europe/Paris",
      notify_close: false,
    });
  });

  it("names the fields it can tell are wrong by the API's field names", () => {
    const { errors } = checkRoute({
      ...emptyRoute(),
      minConfidence: "120",
      updateStepPct: "0",
      maxUpdates: "1.5",
      cooldownS: "",
      allCameras: false,
      allLabels: false,
      schedule: [{ start: "22:00", end: "", days: [] }],
    });
    expect(Object.keys(errors).sort()).toEqual([
      "cameras",
      "cooldown_s",
      "labels",
      "max_updates",
      "min_confidence",
      "schedule",
      "update_step",
    ]);
    expect(errors.min_confidence).toBe("Enter a number at least 0 and at most 100.");
    expect(errors.max_updates).toBe("Enter a whole number at least 0.");
  });

  it("sends a webhook secret only for webhooks, and an empty one not at all on update", () => {
    const email = checkRoute({ ...emptyRoute(), webhookSecret: "typed-before-switching" });
    expect(email.body.webhook_secret).toBe("");
    expect("webhook_secret" in updateBody(email.body)).toBe(false);
    const hook = checkRoute({ ...emptyRoute(), channel: "webhook", webhookSecret: "s3cret" });
    expect(updateBody(hook.body).webhook_secret).toBe("s3cret");
  });

  it("sends no days for a window on every day", () => {
    const { body } = checkRoute({ ...emptyRoute(), schedule: [{ start: "08:00", end: "18:00", days: [] }] });
    expect(body.schedule).toEqual([{ start: "08:00", end: "18:00", days: null }]);
  });
});

describe("scheduleText", () => {
  it("reads a schedule in a line", () => {
    expect(scheduleText([], null)).toBe("always");
    expect(scheduleText(stored.schedule, "Europe/Paris")).toBe("22:00–06:00 fri, sat (Europe/Paris)");
  });
});

describe("labelsInRules", () => {
  it("finds each rule's label once, quoted or with a comment", () => {
    const text =
      'rules:\n  a:\n    label: violence\n  b:\n    label: "fall"  # x\n  c:\n    label: violence\n';
    expect(labelsInRules(text)).toEqual(["violence", "fall"]);
  });
});
