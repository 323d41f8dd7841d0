"""Collection reports: what a whole collection of results says about each target, its hedging and each claim.

- `records.py`: reading a batch's output or a job's outcomes, checked record by record, as flat rows;
- `dates.py`: the `--by` groupings and their dates;
- `merge.py`: targets merged across articles by the pipeline's alias rules (`stancelens.targets`);
- `aggregate.py`: the numbers, counted by DuckDB; `model.py`: their typed shape (`report.json`);
- `render.py`, `plots.py`: `report.md` and the self-contained `report.html`, with matplotlib plots.

The CLI (`stancelens report`), `GET /v1/jobs/{id}/report` and the web page all call `build_report`.
The report reads results only: it never analyses anything again.
"""

from .aggregate import build_report
from .model import CollectionReport
from .records import ReportInputError, file_records, line_records

__all__ = ["CollectionReport", "ReportInputError", "build_report", "file_records", "line_records"]
