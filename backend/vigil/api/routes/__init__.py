"""One router per resource: parse → call a repository or service → return."""
