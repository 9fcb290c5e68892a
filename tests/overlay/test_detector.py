"""The live eye detector in a set: each frame is compared with its own song's source, each
song's source opened once, on the detector's thread (never the output loop's)."""

from __future__ import annotations

import threading
import time

from live.overlay.detector import EyeDetector, EyeResult, SongSource
from live.overlay.sources import SourceEyes, SourceEyesError
from tests.overlay.faces import ASTRONAUT

WAIT_S = 60.0


def test_each_frame_is_compared_with_its_songs_source_opened_on_the_detector_thread():
    astronaut = SourceEyes.analyse([ASTRONAUT], 1)
    opened: list[tuple[int, str]] = []

    def open_song(song: int) -> SongSource | None:
        opened.append((song, threading.current_thread().name))
        if song == 2:
            raise SourceEyesError("face.hdf5.eyes.npz: the source frames' eyes were never "
                                  "computed; run 'gance-live overlays face.hdf5'")
        # song 0 plays no projection; song 1's source frame 0 is the astronaut
        return SongSource(astronaut, lambda index: ASTRONAUT) \
            if song == 1 else None

    def result_of(index: int, song: int) -> EyeResult:
        detector.submit(index, ASTRONAUT, song, 0)
        deadline = time.monotonic() + WAIT_S
        while (result := detector.take(index)) is None:
            assert time.monotonic() < deadline, f"no result for frame {index}"
            time.sleep(0.01)
        return result

    detector = EyeDetector(open_song, margin=0.25)
    try:
        no_projection, face, failed, face_again = (result_of(index, song) for index, song in
                                                    enumerate((0, 1, 2, 1)))
        assert not no_projection.passed and no_projection.region is None
        for result in (face, face_again):
            assert result.passed and result.box == astronaut.sample(0).box
            x, y, w, h = result.region_box   # the same size: the source region, where it was
            assert (result.region == ASTRONAUT[y:y + h, x:x + w]).all()
        assert not failed.passed and failed.region is None
        assert detector.take_problems() == [
            "song 3 draws no eye overlays: face.hdf5.eyes.npz: the source frames' eyes were "
            "never computed; run 'gance-live overlays face.hdf5'"]
        assert detector.take_problems() == []
        assert opened == [(0, "eye-detector"), (1, "eye-detector"), (2, "eye-detector")]
    finally:
        detector.close()
