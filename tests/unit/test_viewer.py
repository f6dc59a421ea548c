import pytest

from metrics.viewer import MANAGER, Viewer


def test_roles():
    ambassador = Viewer("ambassador", frozenset({"ADV"}), "a@x.fr")
    assert ambassador.may_see_team("ADV") and not ambassador.may_see_team("Compta")
    assert ambassador.may_edit_team("ADV") and not ambassador.may_edit_team("Compta")
    assert not ambassador.may_see_team(None)
    support = Viewer("support")
    assert support.may_see_team("Compta") and not support.may_edit_team("Compta")
    assert MANAGER.may_edit_team("Compta")
    with pytest.raises(ValueError, match="'boss' is not a role"):
        Viewer("boss")
