"""Batch scoring of article collections: `stancelens batch`, resumable, nothing lost or duplicated."""
