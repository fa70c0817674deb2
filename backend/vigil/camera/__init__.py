"""One camera, one unit: its profile (what the operator set), the unit that owns its whole chain from
source to incident evidence, the registry the readers look profiles up in, and the supervisor of units."""
