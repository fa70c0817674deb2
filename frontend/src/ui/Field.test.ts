import { createElement as h } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Checkboxes, EveryOrOnly } from "./EveryOrOnly";
import { Field, type FieldProps } from "./Field";
import { fieldParts } from "./useFieldErrors";

const input = h("input", { name: "url" });
const field = (props: Omit<FieldProps, "children">): string =>
  // biome-ignore lint/correctness/noChildrenProp: the control, in a test file without JSX
  renderToStaticMarkup(h(Field, { ...props, children: input }));

describe("Field", () => {
  it("ties a refused field to its hint and its error", () => {
    const form = fieldParts("f", { url: "not under an allowed folder" });
    const html = field({ form, field: "url", label: "URL", hint: "A path." });
    expect(html).toBe(
      '<label>URL<input aria-invalid="true" aria-describedby="f-url-hint f-url-error" name="url"/>' +
        '<span id="f-url-hint" class="hint">A path.</span>' +
        '<span id="f-url-error" class="field-error">not under an allowed folder</span></label>',
    );
  });
  it("marks nothing while the field is not refused", () => {
    const form = fieldParts("f", { name: "another field's error" });
    const html = field({ form, field: "url", label: "URL" });
    expect(html).toBe('<label>URL<input name="url"/></label>');
  });
  it("keeps the hint and the error out of the label's name beside it, or with a label pointing at it", () => {
    const form = fieldParts("f", { url: "bad" });
    const beside = field({ form, field: "url", label: "URL", layout: "beside", hint: "A path." });
    expect(beside).toMatch(/^<div class="field"><label>URL<input [^>]*\/><\/label><span id="f-url-hint"/);
    const labelFor = field({
      form,
      field: "url",
      label: "URL",
      layout: "labelFor",
      className: "setting-field",
    });
    expect(labelFor).toMatch(
      /^<div class="setting-field"><label for="f-url">URL<\/label><input id="f-url" aria-invalid="true" /,
    );
    expect(labelFor).toContain('<span id="f-url-error" class="field-error">bad</span></div>');
  });
});

describe("EveryOrOnly", () => {
  const choices = [
    { value: 1, label: "Gate" },
    { value: 2, label: "Yard" },
  ];
  const props = {
    field: "cameras",
    legend: "Cameras",
    everyLabel: "Every camera",
    choices,
    chosen: [2],
    onEvery: () => {},
    onChosen: () => {},
  };
  it("shows the ticks only for 'only these', marked when the set is refused", () => {
    const form = fieldParts("f", { cameras: "Tick at least one camera." });
    const every = renderToStaticMarkup(h(EveryOrOnly<number>, { ...props, form, every: true }));
    expect(every).not.toContain('type="checkbox"');
    expect(every).toContain(
      '<fieldset class="choice" aria-describedby="f-cameras-error"><legend>Cameras</legend>',
    );
    const only = renderToStaticMarkup(
      h(EveryOrOnly<number>, { ...props, form, every: false, markChoices: true }),
    );
    expect(only).toContain('name="f-cameras" checked=""/>Only these:');
    expect(only).toContain('<input type="checkbox" aria-invalid="true"/>Gate');
    expect(only).toContain('<input type="checkbox" aria-invalid="true" checked=""/>Yard');
    expect(only).toContain('<span id="f-cameras-error" class="field-error">Tick at least one camera.</span>');
  });
  it("ticks the chosen boxes", () => {
    const html = renderToStaticMarkup(h(Checkboxes<number>, { choices, chosen: [1], onChange: () => {} }));
    expect(html).toBe(
      '<label class="inline"><input type="checkbox" checked=""/>Gate</label>' +
        '<label class="inline"><input type="checkbox"/>Yard</label>',
    );
  });
});
