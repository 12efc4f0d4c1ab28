"""Figure functions: analysis results in, plotly figures out; one module per analysis.

They never compute statistics of their own beyond ordering and labelling, and
they take every colour from :mod:`cra_helpers.style` so that a colour keeps
its meaning across reports. Text from the data is HTML-escaped because plotly
interprets a subset of HTML in labels.
"""

from __future__ import annotations

from .overview import interviews_per_account, level_department_heatmap, ratings_and_verbatims, revenue_by_account
from .quantitative import (comparisons_chart, drivers_chart, need_scores_chart, segments_chart,
                           stated_vs_derived_chart, three_ways_chart)
from .prioritize import (abc_segments_chart, lorenz_chart, pareto_chart, slice_coverage_chart, top_elements_chart,
                         value_potential_chart, value_revenue_chart)

__all__ = ["interviews_per_account", "level_department_heatmap", "ratings_and_verbatims", "revenue_by_account"]
__all__ += ["comparisons_chart", "drivers_chart", "need_scores_chart", "segments_chart", "stated_vs_derived_chart", "three_ways_chart"]
__all__ += ["abc_segments_chart", "lorenz_chart", "pareto_chart", "slice_coverage_chart", "top_elements_chart",
            "value_potential_chart", "value_revenue_chart"]
from .needs_tree import (breakdown_heatmap, latent_needs_chart, painful_needs, saturation_by_group, saturation_chart,
                         tree_sunburst)

__all__ += ["breakdown_heatmap", "latent_needs_chart", "painful_needs", "saturation_by_group", "saturation_chart",
            "tree_sunburst"]
