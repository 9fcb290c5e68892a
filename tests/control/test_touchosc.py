"""``gance-live osc-layout``: the .tosc file parses back (zlib, then TouchOSC's XML) and binds
every declared parameter and every OSC action to its address and range, on its page."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
import zlib

from live.contracts.parameters import PAGES, PARAMETERS, remote_actions
from live.control.touchosc import CUES

from tests.support.showrun import run_cli

NETWORKS = 3


def _property(node: ElementTree.Element, key: str) -> str | None:
    for prop in node.findall("./properties/property"):
        if prop.findtext("key") == key:
            return prop.findtext("value")
    return None


def _bindings(page: ElementTree.Element) -> dict[str, dict]:
    """Every control on a page that sends OSC: its address and how."""
    found = {}
    for node in page.findall("./children/node"):
        osc = node.find("./messages/osc")
        if osc is None:
            continue
        argument = osc.find("./arguments/partial")
        found[osc.findtext("./path/partial/value")] = {
            "type": node.get("type"), "receive": osc.findtext("receive") == "1",
            "send": osc.findtext("send") == "1", "conversion": argument.findtext("conversion"),
            "range": (float(argument.findtext("scaleMin")),
                      float(argument.findtext("scaleMax"))),
            "steps": _property(node, "steps"), "button": _property(node, "buttonType"),
            "connections": osc.findtext("connections")}
    return found


def test_layout_binds_every_parameter_and_action_on_its_page(tmp_path):
    out = tmp_path / "show.tosc"
    done = run_cli("osc-layout", "--out", out, "--networks", NETWORKS)
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    root = ElementTree.fromstring(zlib.decompress(out.read_bytes()))
    assert root.tag == "lexml" and root.get("version") == "3"
    pager = root.find("./node/children/node[@type='PAGER']")
    pages = pager.findall("./children/node[@type='GROUP']")
    assert [_property(p, "tabLabel") for p in pages] == list(PAGES)
    bound = {_property(page, "tabLabel"): _bindings(page) for page in pages}
    # Every connection of lexml 3 (five; the editor's version 6 files have ten).
    assert {c["connections"] for page in bound.values() for c in page.values()} == {"11111"}

    for declared in PARAMETERS:
        control = bound[declared.layout_page].pop(f"/live/{declared.name}")
        assert control["send"] and control["receive"], declared.name   # state-out moves it
        if declared.kind == "float":
            assert (control["type"], control["range"]) == ("FADER", declared.range)
        elif declared.kind == "bool":
            assert (control["type"], control["button"], control["range"]) == \
                ("BUTTON", "1", (0.0, 1.0))
        else:
            count = declared.options(NETWORKS)
            assert (control["type"], control["conversion"], control["steps"],
                    control["range"]) == ("RADIO", "INTEGER", str(count), (0.0, count - 1.0))
    for declared in remote_actions():
        control = bound[declared.layout_page].pop("/live" + declared.osc)
        assert control["send"] and not control["receive"], declared.name
        if declared.argument == "index":
            assert (control["type"], control["range"]) == ("RADIO", (0.0, CUES - 1.0))
        else:
            assert (control["type"], control["button"]) == ("BUTTON", "0")
    assert all(not rest for rest in bound.values()), bound   # nothing bound twice or unknown


def test_layout_under_a_file_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    out = tmp_path / "notes.txt" / "show.tosc"
    done = run_cli("osc-layout", "--out", out)
    assert done.returncode == 2
    assert "--out" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
