/** CodeMirror 6 on a rule file: YAML, line numbers, the dark theme, the server's problems as lint diagnostics. */
import { yaml } from "@codemirror/lang-yaml";
import { type Diagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { Compartment, EditorSelection, EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { type Ref, useEffect, useImperativeHandle, useRef } from "react";
import type { PlacedProblem } from "./positions";
import { darkEditor } from "./theme";

export interface EditorHandle {
  /** Put the cursor at `offset` (clamped to the text), scroll it into view and focus the editor. */
  goTo(offset: number): void;
}

interface Props {
  /** The text to show; when it changes from outside (revert, load a version) the editor takes it. */
  value: string;
  onChange(text: string): void;
  /** Problems placed on `problemsFor`; shown only while the editor still holds exactly that text. */
  problems: readonly PlacedProblem[];
  problemsFor: string | null;
  readOnly: boolean;
  label: string;
  describedBy?: string;
  ref?: Ref<EditorHandle>;
}

export function RulesEditor({
  value,
  onChange,
  problems,
  problemsFor,
  readOnly,
  label,
  describedBy,
  ref,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const editable = useRef(new Compartment());
  const attributes = useRef(new Compartment());

  // biome-ignore lint/correctness/useExhaustiveDependencies: the view is made once; later props arrive through the effects below
  useEffect(() => {
    if (!host.current) return;
    const created = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          darkEditor,
          EditorView.lineWrapping,
          // read-only stays focusable: the keyboard can still move, select and copy
          editable.current.of(EditorState.readOnly.of(readOnly)),
          attributes.current.of(contentAttributes(label, describedBy, readOnly)),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    const current = view.current;
    if (!current || current.state.doc.toString() === value) return;
    current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: [
        editable.current.reconfigure(EditorState.readOnly.of(readOnly)),
        attributes.current.reconfigure(contentAttributes(label, describedBy, readOnly)),
      ],
    });
  }, [readOnly, label, describedBy]);

  useEffect(() => {
    const current = view.current;
    if (!current) return;
    const text = current.state.doc.toString();
    const shown: Diagnostic[] =
      problemsFor === text
        ? problems.map((p) => ({ from: p.from, to: p.to, severity: "error", message: p.message }))
        : [];
    current.dispatch(setDiagnostics(current.state, shown));
  }, [problems, problemsFor]);

  useImperativeHandle(
    ref,
    () => ({
      goTo(offset: number) {
        const current = view.current;
        if (!current) return;
        const at = Math.min(Math.max(offset, 0), current.state.doc.length);
        current.dispatch({ selection: EditorSelection.cursor(at), scrollIntoView: true });
        current.focus();
      },
    }),
    [],
  );

  return <div ref={host} className="rules-editor" data-read-only={readOnly} />;
}

function contentAttributes(label: string, describedBy: string | undefined, readOnly: boolean) {
  return EditorView.contentAttributes.of({
    "aria-label": label,
    "aria-multiline": "true",
    // Already a tab stop (contenteditable); said explicitly so that checkers (axe's
    // scrollable-region-focusable) see the scrolling editor has focusable content.
    tabindex: "0",
    ...(describedBy ? { "aria-describedby": describedBy } : {}),
    ...(readOnly ? { "aria-readonly": "true" } : {}),
  });
}
