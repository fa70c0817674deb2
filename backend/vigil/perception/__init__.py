"""Models behind small protocols; they run in the pipeline's process pool."""
