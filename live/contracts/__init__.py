"""The bottom of the house: everything that crosses a process or package boundary.

Messages between processes (:mod:`.messages`), the shared-memory segments and rings
(:mod:`.shm`, :mod:`.frames`, :mod:`.feature_ring`), the feature frame (:mod:`.features`),
the show state and its control events (:mod:`.state`), the errors (:mod:`.errors`) and the
reading and checking of TOML against declared keys (:mod:`.schema`, :mod:`.configfile`).
Where the files shipped with the package are (shaders, demo show, MIDI maps): :mod:`.shipped`.

This package imports nothing else of the project; every concern imports it, and
``tests/test_layers.py`` keeps it so.
"""
