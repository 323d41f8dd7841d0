"""Background jobs: collections of articles analysed chunk by chunk, persisted in SQLite."""
