"""The deal tests' shared fixtures (a pytest plugin, see tests/conftest.py): `world` is `deal_world.make_world`'s
marketplace (an SME, a center, another organization, the bureau) and `tokens` a bearer token for each. A module
that needs another world, or tokens with other headers, defines its own fixture of the same name, which wins."""

import pytest

from tests.utils.deal_world import make_world
from tests.utils.factories import PASSWORD
from tests.utils.web import bearer


@pytest.fixture
def world(session):
    return make_world(session)


@pytest.fixture
def tokens(client, world):
    return {
        name: bearer(client, getattr(world, name).email, PASSWORD)
        for name in ("sme", "center", "other", "bureau")
    }
