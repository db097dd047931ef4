"""Request and response bodies: separate models for what a client sends to create, to update,
and what it gets back (never a table row as is)."""
