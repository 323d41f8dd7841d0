"""Evaluation harness: `stancelens eval TASK --data PATH`, StanceLens and baselines scored on the same records."""
