"""One pipeline per camera: sample, gate on motion, hand off to the pool without queueing, keep pre-roll."""
