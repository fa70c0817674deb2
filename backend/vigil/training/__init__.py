"""Training of Vigil's own models (optional extra `.[train]`: torch). Nothing here runs in the server."""
