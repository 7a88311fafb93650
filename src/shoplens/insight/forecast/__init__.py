"""Sales forecasting, shopping calendars, backtests, trends and alerts (the ``forecast`` extra).

Series come from the warehouse as long frames (``unique_id, ds, y``,
:func:`~shoplens.insight.forecast.series.sales_series`); :class:`Forecaster` fits
statsforecast models (and an mlforecast LightGBM model) per series, picks one per series
by rolling-origin backtest and predicts with intervals. See ``docs/forecast.md``.
"""

from __future__ import annotations

from shoplens.insight.forecast.series import sales_series

__all__ = ["sales_series"]
