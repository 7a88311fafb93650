"""Data spine: canonical schemas, ingestion, public-format adapters and the demo shop."""
