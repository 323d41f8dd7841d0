"""Speed benchmark (`stancelens bench`): StanceLens against the Hugging Face pipeline recipe a user would assemble.

workload: the articles and the length sweep; ours: timing StanceLens in process and over HTTP;
peer: the Hugging Face recipe; stats: percentiles and the least-squares line; report: the typed
report and its markdown; runner: one run, start to end; command: the CLI arguments.
"""
