"""The video layer's sources alone: cameras by V4L2 name, the file on the show clock, the
cover scaling, and the ring that hands pictures over."""

from __future__ import annotations

import numpy as np
import pytest

from live.contracts.video import VideoRing
from live.video.sources import (Camera, VideoError, VideoFile, cover, describe_cameras,
                                file_frame_at, find_camera, list_cameras)
from tests.video.media import colour_second, coloured_video


def test_cameras_listed_and_found_by_index_or_name(tmp_path):
    # The kernel's video4linux class folder, as it lays it out.
    for number, name in ((0, "Integrated Camera: Integrated C"), (2, "HD Pro Webcam C920")):
        (tmp_path / f"video{number}").mkdir()
        (tmp_path / f"video{number}" / "name").write_text(name + "\n")
    (tmp_path / "v4l-subdev0").mkdir()
    cameras = list_cameras(tmp_path)
    assert cameras == [Camera(0, "Integrated Camera: Integrated C"),
                       Camera(2, "HD Pro Webcam C920")]
    assert find_camera("2", cameras) == cameras[1]
    assert find_camera("c920", cameras) == cameras[1]        # a name part, any case
    assert find_camera("1", cameras) is None and find_camera("Brio", cameras) is None
    assert "2: HD Pro Webcam C920  (/dev/video2)" in describe_cameras(cameras)
    assert list_cameras(tmp_path / "absent") == []
    assert describe_cameras([]).startswith("Cameras: none")


def test_cover_keeps_the_aspect_and_crops_evenly():
    image = np.zeros((100, 400, 3), np.uint8)      # BGR, 4:1
    image[:, 150:250] = (255, 0, 0)                # a blue band in the middle quarter
    covered = cover(image, 200, 200)               # 1:1: the middle 100x100 fills it
    assert covered.shape == (200, 200, 4) and (covered[:, :, 3] == 255).all()
    assert (covered[:, :, 2] == 255).all() and (covered[:, :, 0] == 0).all()   # all blue, RGB


def test_the_file_plays_looped_on_the_show_clock(tmp_path):
    assert [file_frame_at(t, 10, 30) for t in (0.0, 0.05, 0.1, 2.95, 3.0, 7.25, -1.0)] == \
        [0, 0, 1, 29, 0, 12, 0]
    video = VideoFile(coloured_video(tmp_path / "room.mp4"))
    try:
        assert (video.fps, video.frame_count) == (10, 30)
        for t in (0.0, 0.35, 1.05, 2.5, 3.2, 1.5, 0.0):   # forwards, looped, backwards
            number, bgr = video.at(t)
            assert number == file_frame_at(t, 10, 30)
            assert colour_second(bgr[:, :, ::-1]) == number // 10
            # the white bar says which frame of its second it is
            assert bgr[0, 4 * (number % 10) + 1].min() > 200
    finally:
        video.close()


def test_a_file_that_is_no_video_is_one_line(tmp_path):
    (tmp_path / "notes.mp4").write_text("not a video")
    with pytest.raises(VideoError, match="notes.mp4: not a video file OpenCV can decode"):
        VideoFile(tmp_path / "notes.mp4")


def test_the_ring_hands_over_the_newest_picture_and_sees_a_reader_overtaken():
    with VideoRing.create(4, 6) as ring:
        reader = VideoRing.attach(ring.name)
        try:
            assert reader.newest() is None and reader.t0 is None
            for picture in range(1, 5):
                slot, pixels = ring.next_slot()
                assert slot != (reader.newest() or (0, -1))[1]   # never the one being shown
                pixels[:] = picture
                ring.publish(slot, t_captured=float(picture), source_frame=picture)
                sequence, newest = reader.newest()
                assert sequence == picture and (reader.pixels(newest) == picture).all()
                assert reader.header(newest)["source_frame"] == picture
            # A reader that took the newest picture and was slow: two more pictures come
            # round to its slot, and it can tell.
            sequence, slot = reader.newest()
            for _ in range(3):
                written, _ = ring.next_slot()
                ring.publish(written, 0.0)
            assert not reader.still(sequence, slot)
            ring.set_t0(123.5)
            assert reader.t0 == 123.5
        finally:
            reader.close()
