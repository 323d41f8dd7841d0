"""Collection reports: what a whole collection of results says about each target, its hedging and each claim.

- `records.py`: reading a batch's output or a job's outcomes, checked record by record, as flat rows;
- `dates.py`: the `--by` groupings and their dates;
- `merge.py`: targets merged across articles by the pipeline's alias rules (`stancelens.targets`);
- `aggregate.py`: the numbers, counted by DuckDB; `model.py`: their typed shape (`report.json`);
- `render.py`, `plots.py`: `report.md` and the self-contained `report.html`, with matplotlib plots.
- `command.py`: `stancelens report`; `synthetic.py`: valid synthetic results, for the benchmark and tests.

The CLI (`stancelens report`), `GET /v1/jobs/{id}/report` and the web page all call
`aggregate.build_report`. Nothing is imported here, so `stancelens` starts without DuckDB or matplotlib.
The report reads results only: it never analyses anything again.
"""
