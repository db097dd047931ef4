"""What the API does, as plain functions over a SQLAlchemy session: the routers and the command
line call them; none of them commits (the caller owns the transaction)."""
