"""The command-line programs (hebbian.cli): console commands, configs by name, --check of every
shipped file, the gallery manifest. The wheel itself is tested in test_wheel.py."""

import configparser
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from sweep_helpers import env

from hebbian import __version__
from hebbian._resources import config_names, configs_dir, find_config
from hebbian.cli import figures_main, plot_main, sweep_main

ROOT = Path(__file__).resolve().parent.parent


def test_console_commands_are_declared_and_importable():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    lines = [ln.strip() for ln in cfg["options.entry_points"]["console_scripts"].splitlines() if ln.strip()]
    commands = dict(ln.split(" = ") for ln in lines)
    assert set(commands) == {"hebbian-sweep", "hebbian-figures", "hebbian-plot"}
    for target in commands.values():
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func))


@pytest.mark.parametrize("main", [sweep_main, figures_main, plot_main])
def test_version(main, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"], prog="hebbian-x")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"hebbian-x (hebbian {__version__}, ") and str(ROOT / "hebbian") in out


@pytest.mark.parametrize("script", ["sweep.py", "figures.py", "plot.py"])
def test_scripts_are_thin_wrappers_of_the_same_commands(script):
    text = (ROOT / "scripts" / script).read_text()
    assert f"from hebbian.cli import {script[:-3]}_main" in text and len(text.splitlines()) < 20
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--help"], env=env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--version" in proc.stdout


def test_a_shipped_config_runs_by_name_from_any_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert sweep_main(["smoke", "--check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(str(configs_dir() / "smoke.toml")) and "-> 24 tasks" in out
    assert sweep_main(["smoke.toml", "--check"]) == 0
    # an existing file wins over a shipped name
    (tmp_path / "smoke").write_text((configs_dir() / "smoke.toml").read_text().replace("seed = 20240601",
                                                                                        "seed = 5"))
    assert find_config("smoke") == Path("smoke")
    assert sweep_main(["--list"]) == 0
    listing = capsys.readouterr().out
    assert "smoke" in listing and "gallery" in listing and "manifest" in listing


def test_unknown_config_names_the_shipped_ones(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert sweep_main(["smok", "--check"], prog="hebbian-sweep") == 2
    err = capsys.readouterr().err
    assert "hebbian-sweep: error: no config file 'smok'" in err and "smoke" in err
    with pytest.raises(FileNotFoundError, match="no config file 'nowhere/nothing.toml', and no shipped"):
        find_config("nowhere/nothing.toml")
    with pytest.raises(FileNotFoundError, match="here; the shipped config of that name runs by name .*'smoke'"):
        find_config("elsewhere/smoke.toml")             # e.g. configs/smoke.toml outside the checkout


def test_configs_dir_of_a_checkout_and_the_environment_override(tmp_path, monkeypatch):
    assert configs_dir() == ROOT / "configs"             # checkout / editable install
    assert "smoke" in config_names() and "gallery" in config_names()
    monkeypatch.setenv("HEBBIAN_CONFIGS", str(tmp_path))
    (tmp_path / "mine.toml").write_text("")
    assert configs_dir() == tmp_path and config_names() == ["mine"]
    from hebbian.gallery._gallery import default_configs_dir
    assert default_configs_dir() == tmp_path


def test_every_file_in_configs_passes_check(capsys):
    """Every shipped file validates: the sweep configs, and the gallery manifest with every
    config it lists, at full size and with its --quick overrides."""
    files = sorted((ROOT / "configs").glob("*"))
    assert files and all(p.suffix == ".toml" for p in files), files
    for path in files:
        assert sweep_main([str(path), "--check"]) == 0, (path, capsys.readouterr().err)
    out = capsys.readouterr().out
    assert "valid gallery manifest; 6 figures" in out
    assert out.count(": valid;") == len(files) - 1


def test_the_manifest_is_no_sweep_and_a_broken_one_is_named(tmp_path, capsys):
    assert sweep_main(["gallery"], prog="hebbian-sweep") == 2
    assert "is the figure gallery's manifest, not a sweep: run it with hebbian-figures" in capsys.readouterr().err
    # a one-figure manifest next to its config (fast), then broken in three ways
    (tmp_path / "fig6_digits.toml").write_text((ROOT / "configs" / "fig6_digits.toml").read_text())
    manifest = tmp_path / "gallery.toml"
    text = '[digits]\nnumber = 6\nconfigs = ["fig6_digits"]\n[digits.quick]\nfig6_digits = ["samples = 2"]\n'
    manifest.write_text(text)
    assert sweep_main([str(manifest), "--check"]) == 0
    assert "valid gallery manifest; 1 figures from 1 configs" in capsys.readouterr().out
    manifest.write_text(text.replace("samples = 2", "samples = 0"))
    assert sweep_main([str(manifest), "--check"]) == 2
    err = capsys.readouterr().err
    assert "gallery figure 6 'digits', config 'fig6_digits' with its --quick overrides" in err and "samples" in err
    manifest.write_text(text.replace('configs = ["fig6_digits"]', 'configs = ["fig6_digits", "fig7_nothing"]'))
    assert sweep_main([str(manifest), "--check"]) == 2
    assert "fig7_nothing" in capsys.readouterr().err
    manifest.write_text(text)
    (tmp_path / "fig6_digits.toml").write_text("engine = 'montecarlo'\nmodel = 'hopfield'\n")
    assert sweep_main([str(manifest), "--check"]) == 2
    assert "config 'fig6_digits': config key 'seed' is required" in capsys.readouterr().err


def test_load_config_takes_a_shipped_name(tmp_path, monkeypatch):
    from hebbian.sweep import ConfigError, load_config
    monkeypatch.chdir(tmp_path)
    assert load_config("smoke").source == str(configs_dir() / "smoke.toml")
    assert load_config("smoke").sha256 == load_config(ROOT / "configs" / "smoke.toml").sha256
    with pytest.raises(ConfigError, match="cannot read config 'nosuch'"):
        load_config("nosuch")


def test_gallery_commands_run_anywhere_and_quick_ones_keep_apart(tmp_path, monkeypatch, capsys):
    """hebbian-figures --commands names the shipped configs (valid from any directory and from
    a wheel); the --quick ones write next to, not into, the full-size outputs."""
    import shlex
    from hebbian.gallery import load_gallery, sweep_commands
    from hebbian.gallery._gallery import resolve_names
    monkeypatch.chdir(tmp_path)
    gallery = load_gallery(configs_dir())
    n_configs = sum(len(gallery[name].configs) for name in resolve_names(["6", "2"], gallery))
    assert n_configs >= 6                   # figure 2: MC and theory; figure 6: several scans
    for quick in (False, True):
        lines = [ln for ln in sweep_commands(["6", "2"], quick=quick) if not ln.startswith("#")]
        assert len(lines) == n_configs
        for line in lines:
            words = shlex.split(line)
            assert words[:4] == ["mpiexec", "-n", "16", "hebbian-sweep"]
            assert sweep_main(words[4:] + ["--check"]) == 0
            out = capsys.readouterr().out
            assert (" result results/gallery-quick/" if quick else " result results/gallery/") in out
