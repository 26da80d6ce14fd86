"""Writes, one module per concern: imports (bank files → lines), matching (the engine's run),
lines (what people and the engine decide about a line: apply, accept, undo, ignore)."""
