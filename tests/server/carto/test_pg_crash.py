"""PostgreSQL storage keeps every acknowledged write: a real server process is SIGKILLed while four
clients create templates, two API keys and two anonymous maps, and after a restart each one it
acknowledged is there, intact.
Also: the template limit holds under concurrent creations (the advisory lock)."""

from __future__ import annotations

import threading
from pathlib import Path

from server.carto.errors import CartoError
from server.carto.pgstorage import PostgresStorage
from tests.server.carto.test_crash import sigkill_scenario


def test_sigkill_during_writes_loses_no_acknowledged_template(tmp_path: Path, pg_empty: str) -> None:
    sigkill_scenario(tmp_path, pg_empty, lambda: PostgresStorage(pg_empty))


def test_limit_holds_under_concurrent_creations(pg_empty: str) -> None:
    stores = [PostgresStorage(pg_empty) for _ in range(8)]  # as many servers sharing one database
    results: list[int | str] = []
    barrier = threading.Barrier(len(stores))

    def create(i: int) -> None:
        barrier.wait()
        for k in range(3):
            try:
                results.append(stores[i].create_template("u", f"t{i}_{k}", {"n": i}, 10))
            except CartoError as exc:
                results.append(exc.message)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert sorted(r for r in results if isinstance(r, int)) == list(range(1, 11))
        assert len(stores[0].list_templates("u")) == 10
        assert results.count("User 'u' reached limit on number of templates (10/10)") == 14
        stores[0].put_layergroup("abc", {"x": 1}, None)
        stores[0].put_layergroup("abc", {"x": 2}, None)  # a token names one config: the first stays
        assert stores[1].get_layergroup("abc") == ({"x": 1}, None)
        stores[0].set_meta("k", "1")
        stores[0].set_meta("k", "2")
        assert stores[1].get_meta("k") == "2" and stores[1].get_meta("none") is None
        name = stores[0].list_templates("u")[0]
        assert stores[0].delete_template("u", name) and not stores[1].delete_template("u", name)
    finally:
        for s in stores:
            s.close()
