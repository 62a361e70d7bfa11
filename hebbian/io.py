"""Result files of sweeps: labelled arrays in netCDF4/HDF5.

Why netCDF4 (written with xarray through h5netcdf): it is HDF5 underneath, with the
dimensions stored as HDF5 dimension scales, so the same file is a labelled xarray Dataset in
Python, opens in any netCDF tool (``ncdump``, NCO, Panoply, ParaView) and language (the
netCDF-C/Fortran/Java libraries, Julia NCDatasets, R ncdf4, MATLAB ``ncread``), and is still
plain HDF5 for ``h5py``/``h5dump``. The axes carry the names of the swept parameters and
their values as coordinate variables, observables and their error bars are variables over
those axes, and the provenance (config, versions, seeds, timings) travels in the same file.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["load_result", "save_result"]


def load_result(path):
    """Load a sweep result in one call.

    Parameters
    ----------
    path : path-like
        The result file (``.h5``), or a sweep output directory (then ``<dir>/result.h5``).

    Returns
    -------
    xarray.Dataset
        Fully loaded in memory (the file is closed): dimensions named after the swept
        parameters, ``<obs>`` and ``<obs>_err`` variables, per-task metadata (``task_*``)
        and provenance in ``attrs`` (``config_text``, ``hebbian_version``, ``git_commit``,
        ``seed``, ``sessions`` ...).
    """
    import xarray as xr
    path = Path(os.fspath(path))
    if path.is_dir():
        path = path / "result.h5"
    if not path.exists():
        raise FileNotFoundError(f"no sweep result at {str(path)!r}")
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()


def save_result(ds, path):
    """Write a Dataset to ``path`` atomically (temporary file in the same directory + rename)."""
    from .sweep._journal import fsync_dir
    path = Path(os.fspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        ds.to_netcdf(tmp, engine="h5netcdf")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_dir(str(path.parent))
    return path
