"""Network profiles for `bench site`: Chromium throttled through CDP, and a ledger of the bytes it received.

Throttling is `Network.emulateNetworkConditions` on the page's own CDP session; it
delays every response by the latency and paces the body at the download rate, inside
Chromium's network service, so the page sees what a listener on that network would.
The ledger counts encoded bytes (what crossed the wire, headers included) with CDP's
monotonic timestamps, and answers "how many bytes had arrived by this moment of the
page's clock" once the page tells how its clock lines up (see `ByteLedger.align`).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    down_mbps: float | None  # None: no throttling at all
    latency_ms: float
    up_mbps: float | None
    runs: int  # a fresh browser context each, the median is reported
    timeout_ms: int  # for each wait of one run (page usable, sound after the tap)


# DevTools names these "Fast 4G" and "Slow 4G"; the figures are taken as they are (DevTools scales
# its own presets by packet-loss factors, these are not scaled).
PROFILES = (
    Profile("none", None, 0.0, None, runs=3, timeout_ms=30_000),
    Profile("fast4g", 9.0, 60.0, 1.5, runs=3, timeout_ms=60_000),
    Profile("slow4g", 1.6, 150.0, 0.75, runs=2, timeout_ms=120_000),
)


def mbps_to_bytes_per_s(mbps: float) -> float:
    """Megabits per second (10^6) to bytes per second, the unit CDP takes."""
    return mbps * 1e6 / 8


def throttle(cdp, profile: Profile) -> None:
    """Turn on the Network domain and emulate profile's network (no-op conditions for an unthrottled one)."""
    cdp.send("Network.enable")
    if profile.down_mbps is None:
        return
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": profile.latency_ms,
        "downloadThroughput": mbps_to_bytes_per_s(profile.down_mbps),
        "uploadThroughput": mbps_to_bytes_per_s(profile.up_mbps)})


class ByteLedger:
    """Bytes received per request, with CDP timestamps (seconds on Chromium's monotonic clock)."""

    def __init__(self, cdp):
        self._chunks: dict[str, list[list[float]]] = {}  # request id -> [[monotonic s, encoded bytes], ...]
        self._document_timing: dict | None = None  # the first Document response's load timing
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.responseReceived", self._response)

    def _data(self, ev: dict) -> None:
        n = int(ev.get("encodedDataLength") or 0)
        if n:
            self._chunks.setdefault(ev["requestId"], []).append([ev["timestamp"], n])

    def _finished(self, ev: dict) -> None:
        chunks = self._chunks.setdefault(ev["requestId"], [])
        # dataReceived is stamped when the renderer takes the data, a few ms after the network
        # service has it all (measured: up to 7 ms); the request cannot have had it after it finished
        for chunk in chunks:
            chunk[0] = min(chunk[0], ev["timestamp"])
        # loadingFinished's figure is the request's whole: headers, and any body bytes that
        # Chromium did not attribute to a dataReceived event
        rest = int(ev.get("encodedDataLength") or 0) - sum(n for _, n in chunks)
        if rest > 0:
            chunks.append([ev["timestamp"], rest])

    def _response(self, ev: dict) -> None:
        if self._document_timing is None and ev.get("type") == "Document":
            self._document_timing = (ev.get("response") or {}).get("timing")

    def page_zero_s(self, request_start_ms: float) -> float | None:
        """Where the page's performance.now() zero lies on CDP's monotonic clock (seconds).

        Args:
            request_start_ms: the navigation entry's requestStart (performance.now() ms).

        Both clocks read the same load timing of the document request: CDP as
        requestTime (s) + sendStart (ms after it), the page as requestStart.
        None when the document's timing was not seen.
        """
        t = self._document_timing
        if not t or t.get("requestTime") is None or t.get("sendStart", -1) < 0:
            return None
        return t["requestTime"] + (t["sendStart"] - request_start_ms) / 1000

    def bytes_until(self, monotonic_s: float) -> int:
        """Encoded bytes received at or before monotonic_s."""
        return int(sum(n for chunks in self._chunks.values() for ts, n in chunks if ts <= monotonic_s))

    def total(self) -> int:
        """Encoded bytes received so far."""
        return int(sum(n for chunks in self._chunks.values() for _, n in chunks))
