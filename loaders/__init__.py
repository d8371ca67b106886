"""Files → canonical tables (see docs/architecture.md)."""
