"""Sound: the ensemble of sound-event members (YAMNet first), their features and signal helpers."""
