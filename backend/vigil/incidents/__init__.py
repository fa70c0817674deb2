"""What happens to an incident: stored, broadcast, and (later) given media and alerts."""
