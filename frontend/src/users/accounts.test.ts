import { describe, expect, it } from "vitest";
import { accountActionError, newAccountErrors, roleLabel } from "./accounts";

describe("newAccountErrors", () => {
  it("puts a taken email at the email field", () => {
    expect(newAccountErrors({ detail: "REGISTER_USER_ALREADY_EXISTS" })).toEqual({
      email: "An account with this email already exists.",
    });
  });

  it("puts a refused password's reason at the password field", () => {
    const error = { detail: { code: "REGISTER_INVALID_PASSWORD", reason: "Password is too easy to guess." } };
    expect(newAccountErrors(error)).toEqual({ password: "Password is too easy to guess." });
  });

  it("names the field of a 422", () => {
    const error = { detail: [{ loc: ["body", "email"], msg: "value is not a valid email address" }] };
    expect(newAccountErrors(error)).toEqual({ email: "value is not a valid email address" });
  });

  it("keeps other refusals for the whole form", () => {
    expect(newAccountErrors({ detail: "FORBIDDEN" })).toEqual({ _: "You are not allowed to do this." });
  });
});

describe("accountActionError", () => {
  it("says why the last admin stays one, per action", () => {
    const last = { detail: "LAST_ADMIN" };
    expect(accountActionError("role", last)).toMatch(
      /last active administrator: it cannot be given another role/,
    );
    expect(accountActionError("deactivate", last)).toMatch(/cannot be deactivated/);
    expect(accountActionError("delete", last)).toMatch(/cannot be deleted\. Make another account/);
  });

  it("falls back to the shared messages", () => {
    expect(accountActionError("delete", { detail: "FORBIDDEN" })).toBe("You are not allowed to do this.");
  });
});

describe("roleLabel", () => {
  it("names every role", () => {
    expect([roleLabel("viewer"), roleLabel("operator"), roleLabel("admin")]).toEqual([
      "Viewer",
      "Operator",
      "Administrator",
    ]);
  });
});
