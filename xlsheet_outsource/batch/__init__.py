"""A whole folder of workbooks: discovery, the skip state, jobs in worker processes,
and the batch report."""

from .run import BatchError, BatchReport, run_batch

__all__ = ["BatchError", "BatchReport", "run_batch"]
