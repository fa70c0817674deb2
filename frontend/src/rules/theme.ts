/** The editor in the dashboard's dark colours (styles.css variables), with YAML highlighting readable on it. */
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { tags } from "@lezer/highlight";

const darkTheme = EditorView.theme(
  {
    "&": {
      color: "var(--text)",
      backgroundColor: "#0b1016",
      border: "1px solid var(--line)",
      borderRadius: "6px",
      fontSize: "0.9rem",
    },
    "&.cm-focused": { outline: "3px solid var(--focus)", outlineOffset: "2px" },
    ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", lineHeight: "1.5" },
    ".cm-content": { caretColor: "var(--focus)" },
    ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--focus)", borderLeftWidth: "2px" },
    "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection":
      { backgroundColor: "#2f5d93" },
    ".cm-gutters": {
      backgroundColor: "var(--panel)",
      color: "var(--muted)",
      borderRight: "1px solid var(--line)",
    },
    ".cm-activeLine": { backgroundColor: "#17202a99" },
    ".cm-activeLineGutter": { backgroundColor: "#22436b", color: "var(--text)" },
    ".cm-lintRange-error": {
      backgroundImage: "none",
      textDecoration: "underline wavy var(--bad)",
      textUnderlineOffset: "3px",
    },
    ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--text)", border: "1px solid var(--line)" },
    ".cm-diagnostic-error": { borderLeftColor: "var(--bad)" },
    ".cm-panels": { backgroundColor: "var(--panel)", color: "var(--text)" },
    ".cm-searchMatch": { backgroundColor: "#6b4b1699" },
    ".cm-foldPlaceholder": { backgroundColor: "#33414f", color: "var(--text)", border: "none" },
  },
  { dark: true },
);

const yamlColours = HighlightStyle.define([
  { tag: tags.comment, color: "#8a9bb0", fontStyle: "italic" },
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "#7cc4ff" },
  { tag: [tags.string, tags.special(tags.string)], color: "#a8e08b" },
  { tag: [tags.number, tags.bool, tags.null], color: "#f4b66a" },
  { tag: [tags.keyword, tags.typeName, tags.labelName], color: "#d7a6ff" },
  { tag: [tags.punctuation, tags.separator, tags.bracket, tags.squareBracket, tags.brace], color: "#b9c6d4" },
  { tag: tags.invalid, color: "var(--bad)" },
]);

export const darkEditor: Extension = [darkTheme, syntaxHighlighting(yamlColours)];
