"""The static HTML report: an overview of the warehouse and one section per part."""

from shoplens.report.build import Section, build_report, figure_html

__all__ = ["Section", "build_report", "figure_html"]
