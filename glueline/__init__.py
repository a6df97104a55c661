"""glueline: a local-first development kit for an event-driven AWS Glue pipeline."""
