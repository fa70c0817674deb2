import { describe, expect, it } from "vitest";
import { DELIVERIES_PAGE, deliveriesQuery, pages, statusClass } from "./deliveries";

describe("deliveriesQuery", () => {
  it("asks for one page, with the status only when filtered", () => {
    expect(deliveriesQuery({ status: null, page: 1 })).toEqual({ limit: DELIVERIES_PAGE, offset: 0 });
    expect(deliveriesQuery({ status: "failed", page: 3 })).toEqual({
      limit: DELIVERIES_PAGE,
      offset: 2 * DELIVERIES_PAGE,
      status: "failed",
    });
    expect(deliveriesQuery({ status: null, page: 0 }).offset).toBe(0);
  });
});

describe("pages", () => {
  it("has at least one page", () => {
    expect(pages(0)).toBe(1);
    expect(pages(DELIVERIES_PAGE)).toBe(1);
    expect(pages(DELIVERIES_PAGE + 1)).toBe(2);
  });
});

describe("statusClass", () => {
  it("colours delivered, retrying and failed", () => {
    expect(statusClass("delivered")).toBe("badge ok");
    expect(statusClass("retrying")).toBe("badge warn");
    expect(statusClass("failed")).toBe("badge bad");
    expect(statusClass("pending")).toBe("badge");
  });
});
