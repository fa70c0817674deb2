import { describe, expect, it } from "vitest";
import type { SettingFieldPublic } from "../client";
import { changes, initialValues } from "./fields";

const field = (over: Partial<SettingFieldPublic> & { name: string }): SettingFieldPublic => ({
  env: `VIGIL_${over.name.toUpperCase()}`,
  secret: false,
  value: null,
  set: false,
  source: "default",
  ...over,
});

const FIELDS = [
  field({ name: "smtp_host", value: "mail.example.org", set: true, source: "dashboard" }),
  field({ name: "smtp_port", value: 587 }),
  field({ name: "smtp_password", secret: true, set: true, source: "dashboard" }),
  field({ name: "twilio_from", value: "+15550001111", set: true, source: "environment" }),
];

describe("settings form changes", () => {
  it("sends nothing when nothing changed", () => {
    const before = initialValues(FIELDS);
    expect(changes(FIELDS, before, before)).toEqual({});
  });

  it("sends edited values, the port as a number, and typed secrets only", () => {
    const before = initialValues(FIELDS);
    const now = { text: { ...before.text, smtp_port: "2525", smtp_password: "n3w" }, remove: {} };
    expect(changes(FIELDS, before, now)).toEqual({ smtp_port: 2525, smtp_password: "n3w" });
  });

  it("removes a secret with an empty string, never sends what the environment sets", () => {
    const before = initialValues(FIELDS);
    const now = {
      text: { ...before.text, twilio_from: "+15559999999" },
      remove: { smtp_password: true },
    };
    expect(changes(FIELDS, before, now)).toEqual({ smtp_password: "" });
  });
});
