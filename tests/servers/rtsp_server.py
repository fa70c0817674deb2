#!/usr/bin/python3
"""A live RTSP camera for tests: serves an H.264 (+ AAC) MP4 file as a camera would, forever.

Run with Debian's Python, which has python3-gi (the project's venv does not):

    /usr/bin/python3 tests/servers/rtsp_server.py --port 8554 --mount /plaza FILE
    /usr/bin/python3 tests/servers/rtsp_server.py --port 8554 --user admin --password s3 --auth digest FILE

Two GStreamer pipelines, no re-encoding:

* the *feeder* reads the file in real time and loops it forever without a gap::

      filesrc ! qtdemux ! queue ! h264parse ! appsink sync=true   (video)
                qtdemux ! queue ! aacparse  ! appsink sync=true   (audio)

  Looping is a non-flushing segment seek back to 0 at each SEGMENT_DONE: the running time of the buffers
  keeps growing across loops (monotonic timestamps, no pause, no re-encoding).

* one shared RTSP *media* (gst-rtsp-server, shared factory: every client gets the same RTP streams)::

      ( appsrc name=video is-live=true format=time ! rtph264pay name=pay0 pt=96 config-interval=-1
        appsrc name=audio is-live=true format=time ! rtpmp4gpay name=pay1 pt=97 )

  The feeder's buffers go into the media's appsrcs with their running time moved onto the media's clock
  (both pipelines run on the system clock). The media prerolls at once with the last key frame, and
  the first client to play gets the GOP since that key frame; the media then stays prepared and playing,
  whether clients come or go, as a camera does: later clients join mid-GOP and see video from the next
  key frame. Everything sent only ever goes forward in time. After the process was stopped (SIGSTOP)
  the backlog is dropped, not sent in a burst, and video resumes at the next key frame.

Prints ``ready rtsp://HOST:PORT/MOUNT`` once listening. Exits 0 on SIGTERM, SIGINT or SIGHUP, and on its
own when its parent process goes away (a test that died never leaves a camera behind).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Any

# Set by load_gstreamer(): the project's venv imports nothing of this file, Debian's Python runs it.
Gst: Any = None
GstRtsp: Any = None
GstRtspServer: Any = None
GLib: Any = None

INSTALL_HINT = "run scripts/ci/install-system-deps.sh (installs GStreamer's RTSP server and python3-gi)"
FEEDER_ELEMENTS = ("filesrc", "qtdemux", "queue", "h264parse", "aacparse", "appsink")
MEDIA_ELEMENTS = ("appsrc", "rtph264pay", "rtpmp4gpay")
STALE_NS = 500_000_000  # a buffer this late (the process was stopped) is dropped, not sent in a burst
MAX_GOP_NS = 10_000_000_000  # longer key frame intervals are not cached: new medias wait for a key frame
APPSRC = "appsrc name={kind} is-live=true format=time min-latency=0"
MEDIA_LAUNCH = {
    "video": APPSRC + " ! rtph264pay name=pay{n} pt=96 config-interval=-1",
    "audio": APPSRC + " ! rtpmp4gpay name=pay{n} pt=97",
}


def fail(message: str, code: int = 2) -> int:
    print(f"rtsp_server: {message}", file=sys.stderr, flush=True)
    return code


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("file", help="an MP4 with one H.264 video track and optionally one AAC audio track")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mount", default="/plaza")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="", help="require this user name (and --password) to play")
    parser.add_argument("--password", default="")
    parser.add_argument("--auth", choices=("basic", "digest"), default="basic", help="with --user")
    return parser.parse_args(argv)


def load_gstreamer() -> str:
    """Import GStreamer and its RTSP server into this module; say what is missing, if anything."""
    global Gst, GstRtsp, GstRtspServer, GLib
    try:
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstRtsp", "1.0")
        gi.require_version("GstRtspServer", "1.0")
        from gi.repository import GLib, Gst, GstRtsp, GstRtspServer
    except (ImportError, ValueError) as exc:
        return f"{sys.executable} cannot load GStreamer's RTSP server ({exc}); {INSTALL_HINT}"
    Gst.init(None)
    missing = [name for name in FEEDER_ELEMENTS + MEDIA_ELEMENTS if Gst.ElementFactory.find(name) is None]
    if missing:
        return f"GStreamer elements missing: {', '.join(missing)}; {INSTALL_HINT}"
    return ""


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not os.path.isfile(args.file):
        return fail(f"no such file: {args.file}")
    problem = load_gstreamer()
    if problem:
        return fail(problem)

    loop = GLib.MainLoop()
    camera = Camera(args.file)
    try:
        camera.preroll()
    except RuntimeError as exc:
        return fail(str(exc))

    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(camera.media_launch())
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
    factory.connect("media-configure", camera.on_media_configure)
    if args.user:
        require_credentials(server, factory, args.user, args.password, args.auth)
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        camera.stop()
        return fail(f"cannot listen on {args.host}:{args.port} (port in use?)", code=3)

    def quit_loop(*_: object) -> bool:
        loop.quit()
        return GLib.SOURCE_REMOVE

    def clean_sessions() -> bool:
        server.get_session_pool().cleanup()
        return GLib.SOURCE_CONTINUE

    parent = os.getppid()

    def watch_parent() -> bool:
        if os.getppid() != parent:
            print("rtsp_server: parent process gone, exiting", file=sys.stderr, flush=True)
            loop.quit()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, quit_loop)
    GLib.timeout_add_seconds(2, clean_sessions)
    GLib.timeout_add(500, watch_parent)
    camera.bus_watch(loop)
    camera.play()
    print(f"ready rtsp://{args.host}:{args.port}{args.mount}", flush=True)
    loop.run()
    camera.stop()
    if camera.error:
        return fail(camera.error, code=1)
    print("rtsp_server: stopped", file=sys.stderr, flush=True)
    return 0


def require_credentials(server: object, factory: object, user: str, password: str, method: str) -> None:
    """Only `user` with `password` may describe and play, by HTTP Basic or Digest authentication (the
    server then offers only that method, as a camera configured for it does)."""
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "viewer")
    auth = GstRtspServer.RTSPAuth()
    if method == "digest":
        auth.add_digest(user, password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    else:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role("viewer", "media.factory.access", True)
    permissions.add_permission_for_role("viewer", "media.factory.construct", True)
    factory.set_permissions(permissions)


class Feed:
    """One media's appsrcs, and how the feeder's running time maps onto that media's clock."""

    def __init__(self, media: object, appsrcs: dict[str, object]) -> None:
        self.media = media
        self.appsrcs = appsrcs
        self.lag: int | None = None  # how far this media runs behind the feeder; fixed once started
        self.waiting = True  # for a key frame: until a client plays, and after the process was stopped
        self.last: dict[str, int] = {}  # last dts a media took per stream: what goes out only ever increases
        self.discont = set(appsrcs)
        self.refused = False  # its last push was refused (said once in the log, until one is taken)


class Camera:
    """The feeder pipeline and the medias it feeds."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.caps: dict[str, object] = {}
        self.sinks: dict[str, object] = {}
        self.feeds: list[Feed] = []
        # (kind, buffer, pts running time, dts running time) since the last video key frame: a new media
        # starts with it, so its first frame is decodable at once.
        self.gop: list[tuple[str, object, int, int | None]] = []
        self.lock = threading.Lock()
        self.error = ""
        self.loops = 0
        self.pipeline = Gst.Pipeline.new("feeder")

    # -- feeder -------------------------------------------------------------------------------------

    def preroll(self) -> None:
        src = Gst.ElementFactory.make("filesrc")
        src.set_property("location", self.path)
        demux = Gst.ElementFactory.make("qtdemux")
        self.pipeline.add(src)
        self.pipeline.add(demux)
        src.link(demux)
        demux.connect("pad-added", self._on_pad_added)
        pads_done = threading.Event()
        demux.connect("no-more-pads", lambda _demux: pads_done.set())
        self.pipeline.set_state(Gst.State.PAUSED)
        pads_done.wait(10)  # the sinks are added with the pads; then wait for them to preroll
        change, _, _ = self.pipeline.get_state(10 * Gst.SECOND)
        if change != Gst.StateChangeReturn.SUCCESS:
            raise RuntimeError(f"cannot read {self.path}: {self._bus_error() or change.value_nick}")
        for kind, sink in self.sinks.items():
            caps = sink.get_static_pad("sink").get_current_caps()
            if caps is None:
                raise RuntimeError(f"no caps on the {kind} stream of {self.path}")
            self.caps[kind] = caps
        if "video" not in self.caps:
            raise RuntimeError(f"{self.path} has no H.264 video track")
        # Flushing segment seek: from now on the demuxer posts SEGMENT_DONE at the end instead of EOS.
        flags = Gst.SeekFlags.FLUSH | Gst.SeekFlags.SEGMENT
        if not self.pipeline.seek(1.0, Gst.Format.TIME, flags, Gst.SeekType.SET, 0, Gst.SeekType.NONE, -1):
            raise RuntimeError(f"{self.path} cannot be seeked (segment seek refused)")
        self.pipeline.get_state(10 * Gst.SECOND)

    def _on_pad_added(self, demux: object, pad: object) -> None:
        name = pad.query_caps(None).get_structure(0).get_name()
        kind, parser = {"video/x-h264": ("video", "h264parse"), "audio/mpeg": ("audio", "aacparse")}.get(
            name, (None, None)
        )
        if kind is None or kind in self.sinks:
            print(f"rtsp_server: ignoring stream {name}", file=sys.stderr, flush=True)
            return
        queue = Gst.ElementFactory.make("queue")
        parse = Gst.ElementFactory.make(parser)
        sink = Gst.ElementFactory.make("appsink", kind)
        sink.set_property("sync", True)
        sink.set_property("emit-signals", True)
        sink.set_property("max-buffers", 8)
        sink.connect("new-sample", self._on_sample, kind)
        for element in (queue, parse, sink):
            self.pipeline.add(element)
            element.sync_state_with_parent()
        queue.link(parse)
        parse.link(sink)
        pad.link(queue.get_static_pad("sink"))
        self.sinks[kind] = sink

    def _bus_error(self) -> str:
        message = self.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        if message is None:
            return ""
        err, debug = message.parse_error()
        return f"{err.message} ({debug})"

    def bus_watch(self, loop: object) -> None:
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self._on_message, loop)

    def _on_message(self, bus: object, message: object, loop: object) -> None:
        if message.type == Gst.MessageType.SEGMENT_DONE:
            # Non-flushing: the new segment's base is the old one's end, running time goes on.
            self.loops += 1
            print(f"rtsp_server: end of file, loop {self.loops + 1} starts", file=sys.stderr, flush=True)
            self.pipeline.seek(
                1.0, Gst.Format.TIME, Gst.SeekFlags.SEGMENT, Gst.SeekType.SET, 0, Gst.SeekType.NONE, -1
            )
        elif message.type == Gst.MessageType.ERROR:
            err, debug = message.parse_error()
            self.error = f"feeder pipeline error: {err.message} ({debug})"
            loop.quit()
        elif message.type == Gst.MessageType.EOS:
            self.error = "feeder pipeline reached EOS (looping failed)"
            loop.quit()

    def play(self) -> None:
        self.pipeline.set_state(Gst.State.PLAYING)

    def stop(self) -> None:
        with self.lock:
            self.feeds.clear()
            self.gop.clear()
        self.pipeline.set_state(Gst.State.NULL)

    def _on_sample(self, sink: object, kind: str) -> object:
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.FLUSHING
        buffer = sample.get_buffer()
        segment = sample.get_segment()
        clock = self.pipeline.get_clock()
        running = self._running_time(segment, buffer.pts)
        if clock is None or running is None:
            return Gst.FlowReturn.OK
        dts = self._running_time(segment, buffer.dts)  # before pts with B-frames; may be negative
        now = clock.get_time() - self.pipeline.get_base_time()
        key = kind == "video" and not buffer.has_flags(Gst.BufferFlags.DELTA_UNIT)
        entry = (kind, buffer, running, dts)
        with self.lock:
            if now - running > STALE_NS:
                # The process was stopped: drop the backlog, and every media waits for a fresh key frame.
                self.gop.clear()
                for feed in self.feeds:
                    feed.waiting = True
                    feed.discont = set(feed.appsrcs)
                return Gst.FlowReturn.OK
            if key or (self.gop and running - self.gop[0][2] > MAX_GOP_NS):
                self.gop.clear()
            if key or self.gop:
                self.gop.append(entry)
            for feed in list(self.feeds):
                self._feed(feed, entry, now)
        return Gst.FlowReturn.OK

    def _feed(self, feed: Feed, entry: tuple[str, object, int, int | None], now: int) -> None:
        if feed.lag is None:
            # A new media prerolls with the last key frame (and the audio after it), moved to its present:
            # its SDP is ready at once. The rest of the GOP follows when a client plays.
            if not self.gop or any(appsrc.get_clock() is None for appsrc in feed.appsrcs.values()):
                return  # no key frame yet, or the media is not playing yet
            _, _, running, dts = self.gop[0]
            feed.lag = now - min(running, running if dts is None else dts)
            for kind in feed.appsrcs:
                first = next((entry for entry in self.gop if entry[0] == kind), None)
                if first is not None:
                    self._push(feed, first)
        elif self._blocked(feed):
            # No client has played yet: gst-rtsp-server holds the streams once each has prerolled (one
            # buffer through its payloader). Queue nothing more, or the first client would get all that
            # came since in one burst.
            feed.waiting = True
            kind = entry[0]
            if kind not in feed.last and (kind != "video" or (self.gop and entry is self.gop[0])):
                self._push(feed, entry)
        elif feed.waiting:
            if self.gop:
                self._push_gop(feed)  # restart at the last key frame (the current entry is in the GOP)
            elif entry[0] != "video":
                self._push(feed, entry)
        else:
            self._push(feed, entry)

    def _blocked(self, feed: Feed) -> bool:
        media = feed.media
        return any(media.get_stream(i).is_blocking() for i in range(media.n_streams()))

    def _push_gop(self, feed: Feed) -> None:
        feed.waiting = False
        for entry in self.gop:
            self._push(feed, entry)

    def _running_time(self, segment: object, timestamp: int) -> int | None:
        if timestamp == Gst.CLOCK_TIME_NONE:
            return None
        sign, value = segment.to_running_time_full(Gst.Format.TIME, timestamp)
        return None if sign == 0 else sign * value

    def _push(self, feed: Feed, entry: tuple[str, object, int, int | None]) -> None:
        kind, buffer, running, dts = entry
        appsrc = feed.appsrcs.get(kind)
        if appsrc is None or feed.lag is None:
            return
        # Both pipelines run on the system clock: a running time moves between them by their base times,
        # plus the media's lag (it started with frames from the past).
        offset = self.pipeline.get_base_time() - appsrc.get_base_time() + feed.lag
        order = (running if dts is None else dts) + offset  # decode order: dts (pts jumps with B-frames)
        if running + offset < 0 or order <= feed.last.get(kind, -1):
            return
        out = buffer.copy()
        out.pts = running + offset
        out.dts = Gst.CLOCK_TIME_NONE if dts is None or dts + offset < 0 else dts + offset
        if kind in feed.discont:
            out.set_flags(Gst.BufferFlags.DISCONT)
            feed.discont.discard(kind)
        flow = appsrc.emit("push-buffer", out)
        if flow == Gst.FlowReturn.OK:
            feed.last[kind] = order
            feed.refused = False
        elif not feed.refused:
            # Refused while its pipeline changes state, or going away (then "unprepared" drops it). The feed
            # is kept and restarts at a key frame: dropped here, a media still held would get no data again.
            print(
                f"rtsp_server: a media refused a {kind} buffer ({getattr(flow, 'value_nick', flow)})",
                file=sys.stderr,
                flush=True,
            )
            feed.refused = True
            feed.waiting = True
            feed.discont = set(feed.appsrcs)

    # -- medias -------------------------------------------------------------------------------------

    def media_launch(self) -> str:
        kinds = [kind for kind in ("video", "audio") if kind in self.caps]
        parts = [MEDIA_LAUNCH[kind].format(kind=kind, n=n) for n, kind in enumerate(kinds)]
        return "( " + "  ".join(parts) + " )"

    def on_media_configure(self, factory: object, media: object) -> None:
        bin_ = media.get_element()
        appsrcs = {}
        for kind, caps in self.caps.items():
            appsrc = bin_.get_by_name(kind)
            appsrc.set_property("caps", caps)
            appsrc.set_property("max-bytes", 8 * 1024 * 1024)
            appsrc.set_property("leaky-type", 2)  # downstream: a stuck media drops its oldest data
            appsrcs[kind] = appsrc
        media.connect("prepared", self._hold_media)
        media.connect("unprepared", self._drop_media)
        with self.lock:
            self.feeds.append(Feed(media, appsrcs))

    def _hold_media(self, media: object) -> None:
        """Keep the shared media prepared and playing while clients come and go, as a camera streams
        whether anyone watches or not. (Left alone, gst-rtsp-server unprepares a shared media when its
        last client leaves, and answers 503 to a client that arrives meanwhile.)"""
        thread = GstRtspServer.RTSPThread.new(GstRtspServer.RTSPThreadType.MEDIA)
        if not media.prepare(thread):  # counts one more user; the thread is not needed and is stopped
            print("rtsp_server: could not hold the media prepared", file=sys.stderr, flush=True)

    def _drop_media(self, media: object) -> None:
        with self.lock:
            self.feeds = [feed for feed in self.feeds if feed.media is not media]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
