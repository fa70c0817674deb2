"""Pure security helpers: rate limits, URL masking, safe media paths."""
