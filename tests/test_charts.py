"""Charts agree with the words beside them."""

from __future__ import annotations

import numpy as np

from qa_lib.report.charts import band_grid


def test_heatmap_colour_follows_the_band_word(halton):
    # a mean of 49.99999999999999 (float noise from 50) is written "50 Requires improvement";
    # its colour must be Requires improvement's too, not Inadequate's
    names = list(halton.band_names)
    grid = band_grid(np.array([[49.99999999999999, 49.9, 90.0, np.nan]]), halton)
    assert grid[0, 0] == names.index(halton.band_of(49.99999999999999)) == 2
    assert grid[0, 1] == names.index("Inadequate")
    assert grid[0, 2] == names.index("Outstanding")
    assert np.isnan(grid[0, 3])
