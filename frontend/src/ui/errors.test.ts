import { describe, expect, it } from "vitest";
import { errorMessage } from "./errors";

describe("errorMessage", () => {
  it("words the API's error codes for people", () => {
    expect(errorMessage({ detail: "LOGIN_BAD_CREDENTIALS" })).toBe("Wrong email or password.");
    expect(errorMessage({ detail: { code: "REGISTER_INVALID_PASSWORD", reason: "Too short." } })).toBe(
      "This password is not accepted. Too short.",
    );
    expect(errorMessage({ detail: "REGISTRATION_CLOSED" })).toBe(
      "Registration is closed on this server. Ask an administrator for an account.",
    );
  });

  it("lists validation errors by field and falls back to something readable", () => {
    expect(errorMessage({ detail: [{ loc: ["body", "email"], msg: "not an email" }] })).toBe(
      "email: not an email",
    );
    expect(errorMessage({ detail: "SOMETHING_NEW" })).toBe("something new");
    expect(errorMessage(new Error("offline"))).toBe("offline");
    expect(errorMessage(undefined)).toBe("Something went wrong. Try again.");
  });
});
