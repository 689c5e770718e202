"""World-café workshops: planning, attendees, table plans, live capture of notes and votes."""
