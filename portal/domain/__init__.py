"""Pure domain logic: no Flask, no database, no I/O."""
