"""What is unusual for this camera at this hour: per-camera baselines by hour of week."""
