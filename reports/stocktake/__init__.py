"""The stocktake: figures for a period computed in the database, and the report's checks."""

from reports.stocktake.compute import stocktake_compute

__all__ = ["stocktake_compute"]
