"""Subtitle writers (SRT, WebVTT) and a plain-text transcript of the finished segments.

Layout: one cue per final, timed by the segment's audio start/end. The cue's lines are the "tracks" asked
for, in order: "original" is the final transcript, any other entry is a target language whose final
translation goes beneath. The default is the original followed by every translation (in the order the
languages first appeared). For one file per language pass a single track, e.g. `tracks=("es",)`.
Cues of segments without text on any requested track are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from tolk.app.core.captions import Segment

ORIGINAL = "original"
MIN_CUE_MS = 200
"""A cue whose end is not after its start is stretched to this length so players show it."""


def format_timestamp(seconds: float, decimal_mark: str = ",") -> str:
    """`HH:MM:SS,mmm` (SRT) or, with decimal_mark ".", `HH:MM:SS.mmm` (WebVTT); negatives clamp to 0."""
    total_ms = max(0, round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal_mark}{millis:03d}"


def default_tracks(segments: Sequence[Segment]) -> tuple[str, ...]:
    """The original followed by every translated language, in order of first appearance."""
    languages: dict[str, None] = {}
    for segment in segments:
        languages.update(dict.fromkeys(segment.translations))
    return (ORIGINAL, *languages)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def cue_lines(segment: Segment, tracks: Sequence[str]) -> list[str]:
    """The non-empty lines of one cue, in track order."""
    lines = []
    for track in tracks:
        text = segment.final if track == ORIGINAL else segment.translations.get(track)
        if text and text.strip():
            lines.append(_one_line(text))
    return lines


def _cues(segments: Sequence[Segment], tracks: Sequence[str] | None) -> list[tuple[float, float, list[str]]]:
    finals = sorted((s for s in segments if s.is_final), key=lambda s: s.segment_id)
    chosen = tuple(tracks) if tracks is not None else default_tracks(finals)
    cues = []
    for segment in finals:
        lines = cue_lines(segment, chosen)
        if not lines:
            continue
        start, end = segment.audio_start_s, segment.audio_end_s
        if end * 1000 - start * 1000 < 1:
            end = start + MIN_CUE_MS / 1000
        if segment.channel:  # speaker tag by capture channel on the cue's first line
            lines[0] = f"[{segment.channel}] {lines[0]}"
        cues.append((start, end, lines))
    return cues


def to_srt(segments: Sequence[Segment], tracks: Sequence[str] | None = None) -> str:
    """SubRip: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line after each."""
    blocks = []
    for index, (start, end, lines) in enumerate(_cues(segments, tracks), start=1):
        timing = f"{format_timestamp(start)} --> {format_timestamp(end)}"
        blocks.append("\n".join([str(index), timing, *lines]) + "\n")
    return "\n".join(blocks)


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: Sequence[Segment], tracks: Sequence[str] | None = None) -> str:
    """WebVTT: a `WEBVTT` header, then cues timed `HH:MM:SS.mmm --> HH:MM:SS.mmm`."""
    blocks = ["WEBVTT\n"]
    for index, (start, end, lines) in enumerate(_cues(segments, tracks), start=1):
        timing = f"{format_timestamp(start, '.')} --> {format_timestamp(end, '.')}"
        blocks.append("\n".join([str(index), timing, *map(_vtt_escape, lines)]) + "\n")
    return "\n".join(blocks)


def to_text(segments: Sequence[Segment], tracks: Sequence[str] | None = None) -> str:
    """Plain transcript: one line per final, its translations beneath as `[lang] text`."""
    finals = sorted((s for s in segments if s.is_final), key=lambda s: s.segment_id)
    chosen = tuple(tracks) if tracks is not None else default_tracks(finals)
    out = []
    for segment in finals:
        for track in chosen:
            text = segment.final if track == ORIGINAL else segment.translations.get(track)
            if text is None:
                continue
            out.append(_one_line(text) if track == ORIGINAL else f"[{track}] {_one_line(text)}")
    return "".join(line + "\n" for line in out)
