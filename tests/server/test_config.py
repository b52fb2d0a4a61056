from __future__ import annotations

import json
from pathlib import Path

import pytest

from glrender.errors import GlrenderError
from server.config import ConfigError, demo_config, load_config

STYLE = '{"version": 8, "sources": {}, "layers": []}'


def _write(tmp_path: Path, text: str, name: str = "glrender.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_config_points_at_packaged_styles() -> None:
    cfg = demo_config()
    assert [e.key for e in cfg.styles] == ["demo/basic", "demo/basic-nolabels"]
    assert all(e.path.is_file() for e in cfg.styles)
    assert (cfg.host, cfg.port) == ("127.0.0.1", 8080)
    assert load_config(None) == cfg


def test_toml_config_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "a.json").write_text(STYLE)
    path = _write(
        tmp_path,
        '[server]\nhost = "0.0.0.0"\nport = 9000\n\n'
        '[[styles]]\nowner = "me"\nid = "a"\npath = "styles/a.json"\n',
    )
    cfg = load_config(path)
    assert (cfg.host, cfg.port) == ("0.0.0.0", 9000)
    entry = cfg.find("me", "a")
    assert entry is not None and entry.path == (tmp_path / "styles" / "a.json").resolve()
    assert cfg.find("me", "b") is None


def test_json_config(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(STYLE)
    doc = {"styles": [{"owner": "o", "id": "x", "path": "a.json"}]}
    cfg = load_config(_write(tmp_path, json.dumps(doc), "cfg.json"))
    assert [e.key for e in cfg.styles] == ["o/x"] and cfg.port == 8080


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[server]\nport = 0\n", "server.port"),
        ('[server]\nport = "80"\n', "server.port"),
        ("", "at least one [[styles]]"),
        ('[[styles]]\nowner = "o"\nid = "x"\npath = "missing.json"\n', "style file not found"),
        ('[[styles]]\nowner = "o/p"\nid = "x"\npath = "a.json"\n', "owner"),
        ('[[styles]]\nowner = "o"\npath = "a.json"\n', ".id"),
        ('[[styles]]\nowner = "o"\nid = "x"\npath = "a.json"\ncolour = 1\n', "unknown keys"),
        ('[[styles]]\nowner = "o"\nid = "x"\npath = "a.json"\n' * 2, "duplicate style 'o/x'"),
        ("[tokens]\n", "unknown top-level keys"),
        ("not toml = = =", "not valid TOML"),
    ],
)
def test_bad_configs_name_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "a.json").write_text(STYLE)
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert needle in str(info.value)
    assert isinstance(info.value, GlrenderError)  # so the CLI reports it in one line with exit 2


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_limits_table(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(STYLE)
    head = '[[styles]]\nowner = "o"\nid = "x"\npath = "a.json"\n[limits]\n'
    cfg = load_config(_write(tmp_path, head + "render_timeout_s = 2.5\nworker_max_rss_mb = 700\n"))
    assert (cfg.limits.render_timeout_s, cfg.limits.worker_max_rss_mb) == (2.5, 700.0)
    assert load_config(_write(tmp_path, head)).limits.worker_max_rss_mb == 1536.0
    with pytest.raises(ConfigError, match="worker_max_rss_mb"):
        load_config(_write(tmp_path, head + "worker_max_rss_mb = -1\n"))
