"""Two installs of the same name and version at once: one wins, the other is a duplicate."""

import threading
from typing import Any

import pytest

from marketplace_site.marketplace import create_marketplace
from marketplace_site.types import DuplicateVersion


@pytest.mark.django_db(transaction=True)
def test_concurrent_installs_of_one_version() -> None:
    outcomes: list[Any] = []
    barrier = threading.Barrier(4)

    def install() -> None:
        from django.db import connections

        barrier.wait()
        try:
            result = create_marketplace().install_plugin(
                {"name": "raced", "version": "1.0.0", "entry_point": "1"}
            )
            outcomes.append(result.sandbox.success)
        except DuplicateVersion as error:
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=install) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 1
    assert sum(isinstance(o, DuplicateVersion) for o in outcomes) == 3
    assert create_marketplace().registry.versions("raced") == ["1.0.0"]
