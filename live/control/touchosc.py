"""A TouchOSC layout of the show's surface, made from the parameter declarations (pure).

``gance-live osc-layout --out show.tosc`` writes it. A ``.tosc`` file is TouchOSC's XML
document (``<lexml version='3'>``) compressed with zlib. The layout is one pager with a page
per part of the show (``PAGES``: audio, latent, look, networks, scenes); every declared
parameter and every action OSC reaches gets a control on its ``layout_page``, named after it,
with a label saying its range:

- float: a fader sending ``/live/NAME`` scaled to its declared range;
- bool: a toggle button sending 0 or 1;
- choice and network: a radio of one segment per choice (the show's networks), sending the
  index;
- action: a momentary button (a cue: a radio of cue numbers) that only sends.

Parameters' controls also receive their address, so the state the show sends back
(``[control.osc] send_port``, TouchOSC's default 9000) moves them to the truth.

Not opened in TouchOSC itself (it does not run here). Checked against py2tosc 0.6.0, whose
reader and validator were built from layouts TouchOSC's editor wrote: every control, OSC
path, argument range and receive flag reads back as written and the validator finds nothing.
As an editor of lexml 3 wrote, an OSC message names five connections (version 6 has ten).
What differs from the editor's bytes is XML-equivalent: keys as text rather than CDATA,
properties in declaration order rather than sorted, empty ``<messages>``/``<children>``.
"""

from __future__ import annotations

import uuid
import zlib
from typing import Sequence
from xml.sax.saxutils import escape

from live.contracts.parameters import PAGES, PARAMETERS, Action, Parameter, remote_actions
from live.control.osc import PREFIX

WIDTH, HEIGHT = 1024, 768          # the layout's size (a tablet in landscape)
TAB_HEIGHT = 40                    # the pager's tabs
COLUMNS = 4                        # controls side by side on a page
CELL_HEIGHT = 150                  # a control's row: its label and the control
LABEL_HEIGHT = 30
MARGIN = 10
CUES = 8                           # cue numbers offered on the scenes page
BUTTON_MOMENTARY, BUTTON_TOGGLE = 0, 1
CONNECTIONS = 5                    # OSC connections a message goes out on (all of lexml 3's)
Frame = tuple[int, int, int, int]  # x, y, width, height in layout pixels
Colour = tuple[float, float, float]
COLOURS: dict[str, Colour] = {"audio": (0.9, 0.6, 0.1), "latent": (0.2, 0.7, 0.9), "look": (0.8, 0.3, 0.8),
           "networks": (0.3, 0.8, 0.4), "scenes": (0.9, 0.3, 0.3)}


def layout_bytes(network_count: int) -> bytes:
    """The ``.tosc`` file's bytes for a show of ``network_count`` networks."""
    return zlib.compress(layout_xml(network_count).encode("utf-8"))


def layout_xml(network_count: int) -> str:
    """The layout's XML document (what :func:`layout_bytes` compresses)."""
    pages = [_page(name, network_count) for name in PAGES]
    pager = _node("PAGER", "pages", (0, 0, WIDTH, HEIGHT), (0.1, 0.1, 0.1),
                  properties=[_int("tabbarSize", TAB_HEIGHT)], children=pages)
    root = _node("GROUP", "gance-live", (0, 0, WIDTH, HEIGHT), (0.0, 0.0, 0.0),
                 children=[pager])
    return f"<?xml version='1.0' encoding='UTF-8'?><lexml version='3'>{root}</lexml>"


def _page(name: str, network_count: int) -> str:
    declared: list[Parameter | Action] = [p for p in PARAMETERS if p.layout_page == name]
    declared += [a for a in remote_actions() if a.layout_page == name]
    width = (WIDTH - MARGIN * (COLUMNS + 1)) // COLUMNS
    rows = max(1, -(-len(declared) // COLUMNS))
    # A crowded page gets lower rows rather than controls off its bottom edge.
    height = min(CELL_HEIGHT, (HEIGHT - TAB_HEIGHT - MARGIN) // rows - MARGIN)
    children = []
    for index, item in enumerate(declared):
        x = MARGIN + (index % COLUMNS) * (width + MARGIN)
        y = MARGIN + (index // COLUMNS) * (height + MARGIN)
        children += _control(item, (x, y, width, height), COLOURS[name], network_count)
    return _node("GROUP", name, (0, TAB_HEIGHT, WIDTH, HEIGHT - TAB_HEIGHT), (0.05, 0.05, 0.05),
                 properties=[_string("tabLabel", name)], children=children)


def _control(item: Parameter | Action, cell: Frame, colour: Colour,
             network_count: int) -> list[str]:
    """The label and the control of one declaration, in its cell."""
    x, y, w, h = cell
    frame = (x, y + LABEL_HEIGHT, w, h - LABEL_HEIGHT)
    if isinstance(item, Action):
        address = PREFIX + item.osc
        if item.argument == "index":
            control = _radio(item.name, frame, colour, address, CUES, receive=False)
            caption = f"{item.name} 0-{CUES - 1}"
        else:
            control = _button(item.name, frame, colour, address, BUTTON_MOMENTARY,
                              receive=False)
            caption = item.name
    else:
        address = f"{PREFIX}/{item.name}"
        if item.kind == "float":
            low, high = item.range
            default = (item.default - low) / (high - low)
            control = _fader(item.name, frame, colour, address, low, high, default)
            caption = f"{item.name} {low:g}..{high:g}" + (f" {item.units}" if item.units else "")
        elif item.kind == "bool":
            control = _button(item.name, frame, colour, address, BUTTON_TOGGLE, receive=True)
            caption = item.name
        else:
            count = item.options(network_count)
            control = _radio(item.name, frame, colour, address, count, receive=True)
            names = item.choices or tuple(str(n + 1) for n in range(count))
            caption = f"{item.name}: " + " | ".join(names)
    label = _node("LABEL", f"{item.name} label", (x, y, w, LABEL_HEIGHT), colour,
                  properties=[_bool("interactive", False)],
                  values=[_value("text", caption)])
    return [label, control]


def _fader(name: str, frame: Frame, colour: Colour, address: str, low: float, high: float,
           default: float) -> str:
    return _node("FADER", name, frame, colour, values=[_value("x", f"{default:g}")],
                 messages=_osc(address, "FLOAT", low, high, receive=True))


def _button(name: str, frame: Frame, colour: Colour, address: str, button_type: int, receive: bool) -> str:
    return _node("BUTTON", name, frame, colour, properties=[_int("buttonType", button_type)],
                 values=[_value("x", "0")],
                 messages=_osc(address, "FLOAT", 0, 1, receive=receive))


def _radio(name: str, frame: Frame, colour: Colour, address: str, steps: int, receive: bool) -> str:
    # A radio's x is the chosen segment; sent (and received) as that integer index.
    return _node("RADIO", name, frame, colour, properties=[_int("steps", steps)],
                 values=[_value("x", "0")],
                 messages=_osc(address, "INTEGER", 0, steps - 1, receive=receive))


def _node(kind: str, name: str, frame: Frame, colour: Colour, *,
          properties: Sequence[str] = (), values: Sequence[str] = (), messages: str = "",
          children: Sequence[str] = ()) -> str:
    x, y, w, h = frame
    r, g, b = colour
    props = [_string("name", name),
             f"<property type='r'><key>frame</key><value><x>{x}</x><y>{y}</y><w>{w}</w>"
             f"<h>{h}</h></value></property>",
             f"<property type='c'><key>color</key><value><r>{r:g}</r><g>{g:g}</g>"
             f"<b>{b:g}</b><a>1</a></value></property>", *properties]
    values = [*values, _value("touch", "false")]
    return (f"<node ID='{uuid.uuid5(uuid.NAMESPACE_URL, 'gance-live/' + kind + '/' + name)}' "
            f"type='{kind}'><properties>{''.join(props)}</properties>"
            f"<values>{''.join(values)}</values><messages>{messages}</messages>"
            f"<children>{''.join(children)}</children></node>")


def _osc(address: str, conversion: str, low: float, high: float, receive: bool) -> str:
    """One OSC message: sent when x changes, carrying x scaled onto ``low..high``."""
    return ("<osc><enabled>1</enabled><send>1</send>"
            f"<receive>{int(receive)}</receive><feedback>0</feedback>"
            f"<connections>{'1' * CONNECTIONS}</connections>"
            "<triggers><trigger><var>x</var><condition>ANY</condition></trigger></triggers>"
            f"<path>{_partial('CONSTANT', 'STRING', address, 0, 1)}</path>"
            f"<arguments>{_partial('VALUE', conversion, 'x', low, high)}</arguments></osc>")


def _partial(kind: str, conversion: str, value: str, low: float, high: float) -> str:
    return (f"<partial><type>{kind}</type><conversion>{conversion}</conversion>"
            f"<value>{escape(value)}</value><scaleMin>{low:g}</scaleMin>"
            f"<scaleMax>{high:g}</scaleMax></partial>")


def _value(key: str, default: str) -> str:
    return (f"<value><key>{key}</key><locked>0</locked><lockedDefaultCurrent>0"
            f"</lockedDefaultCurrent><default>{escape(default)}</default>"
            f"<defaultPull>0</defaultPull></value>")


def _string(key: str, value: str) -> str:
    return f"<property type='s'><key>{key}</key><value>{escape(value)}</value></property>"


def _int(key: str, value: int) -> str:
    return f"<property type='i'><key>{key}</key><value>{value}</value></property>"


def _bool(key: str, value: bool) -> str:
    return f"<property type='b'><key>{key}</key><value>{int(value)}</value></property>"
