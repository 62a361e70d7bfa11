"""Plotting helpers: a styled figure is written as PDF and PNG."""

import numpy as np

from hebbian import plotting


def test_save_writes_pdf_and_png(tmp_path):
    fig, ax = plotting.figure()
    x = np.linspace(0, 1, 5)
    plotting.mc_points(ax, x, x ** 2, 0.1 * np.ones(5), label="MC")
    plotting.theory_line(ax, x, x ** 2, label="RS")
    ax.legend()
    paths = plotting.save(fig, tmp_path / "sub" / "fig")
    assert [p[-4:] for p in paths] == [".pdf", ".png"]
    for p in paths:
        with open(p, "rb") as fh:
            head = fh.read(8)
        assert head.startswith(b"%PDF") or head.startswith(b"\x89PNG")
    fig2, axes = plotting.figure(ncols=2, nrows=1)
    assert axes.shape == (1, 2)
    assert len(plotting.PALETTE) == 8
