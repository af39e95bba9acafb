"""Stage 4, scoring: the rows fit to score in, scores and figures out.

In: the valid rows and the profile. Out: one scored row per case and partner (criterion
credits, measure scores, statuses, bands, flags), then partner and partnership figures,
themes, cases apart and trends.
"""
