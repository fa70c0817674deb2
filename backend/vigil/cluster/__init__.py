"""Several nodes, one Vigil: state shared through Redis (health, live events, control), Ray units."""
