"""The first bytes choose the demuxer; playlists and lists named .mp4 never read another file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest
from media_samples import make_tone_wav, make_video

from plenaria.domain import Recording, Stream
from plenaria.errors import InputError, MediaError
from plenaria.media.audio import extract_audio
from plenaria.media.ffmpeg import FORMAT_WHITELIST, ffmpeg_binary, guard_inputs, run_ffmpeg
from plenaria.media.probe import inspect_recording, probe
from plenaria.media.proxy import make_proxy
from plenaria.media.sniff import ACCEPTED_FORMATS, sniff, sniff_bytes

FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sniff")
    make_video(d / "victim.mp4", make_tone_wav(d / "tone.wav", 2.0, 660.0), 2.0)
    run_ffmpeg(["-i", str(d / "victim.mp4"), "-c", "copy", str(d / "victim.ts")], what="test")
    return d


def _beside_victims(media: Path, folder: Path) -> None:
    """Another upload's files next to the list: relative names in a list resolve here."""
    for name in ("victim.mp4", "victim.ts"):
        (folder / name).write_bytes((media / name).read_bytes())


def _encode(src: Path, dest: Path, *args: str) -> Path:
    run_ffmpeg(["-y", "-i", str(src), *args, str(dest)], what="making test media")
    return dest


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("a.mp4", ("-c:a", "aac"), "mov"),
        ("a.m4a", ("-c:a", "aac"), "mov"),
        ("a.mov", ("-c:a", "pcm_s16le"), "mov"),
        ("a.mkv", ("-c:a", "flac"), "matroska"),
        ("a.webm", ("-c:a", "libopus"), "matroska"),
        ("a.mp3", ("-c:a", "libmp3lame", "-write_id3v2", "0"), "mp3"),
        ("id3.mp3", ("-c:a", "libmp3lame", "-write_id3v2", "1"), "mp3"),
        ("a.ogg", ("-c:a", "libvorbis"), "ogg"),
        ("a.wav", (), "wav"),
        ("a.flac", (), "flac"),
        ("a.aac", ("-c:a", "aac", "-f", "adts"), "aac"),
    ],
)
def test_accepted_formats_are_sniffed_and_probe_with_the_forced_demuxer(
    media: Path, tmp_path: Path, name: str, args: tuple[str, ...], expected: str
) -> None:
    path = _encode(media / "tone.wav", tmp_path / name, *args)
    assert sniff(path) == expected
    rec = inspect_recording(path)
    assert rec.has_audio
    assert rec.duration_s == pytest.approx(2.0, abs=0.15)


def test_id3_tag_before_adts_and_flac_is_skipped(media: Path, tmp_path: Path) -> None:
    tag = b"ID3\x04\x00\x00\x00\x00\x01\x00" + b"\x00" * 128  # a 128-byte tag body
    aac = _encode(media / "tone.wav", tmp_path / "x.aac", "-c:a", "aac", "-f", "adts")
    flac = _encode(media / "tone.wav", tmp_path / "x.flac")
    for src, fmt in ((aac, "aac"), (flac, "flac")):
        tagged = tmp_path / f"tagged.{fmt}"
        tagged.write_bytes(tag + src.read_bytes())
        assert sniff(tagged) == fmt
        assert inspect_recording(tagged).duration_s == pytest.approx(2.0, abs=0.15)


def test_the_name_never_matters(media: Path, tmp_path: Path) -> None:
    wav_named_mp4 = tmp_path / "pleno.mp4"
    wav_named_mp4.write_bytes((media / "tone.wav").read_bytes())
    assert sniff(wav_named_mp4) == "wav"
    assert inspect_recording(wav_named_mp4).format_name == "wav"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ("vacío", "0 bytes")),
        (b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", ("documento PDF", "no una grabación")),
        (b"#EXTM3U\n#EXTINF:2,\nvictim.mp4\n", ("lista HLS",)),
        (b"\xef\xbb\xbf#EXTM3U\n#EXTINF:2,\nvictim.mp4\n", ("lista HLS",)),
        (b"ffconcat version 1.0\nfile victim.mp4\n", ("lista ffconcat",)),
        (b"Acta del pleno, 3 de marzo.\n", ("archivo de texto",)),
        (b"RIFF\x10\x00\x00\x00AVI LIST", ("archivo AVI", "no se admite", "-c copy")),
        (bytes([0x47] + [0] * 187) * 3, ("flujo de transporte MPEG",)),
        (b"PK\x03\x04" + b"\x00" * 30, ("archivo ZIP",)),
        (bytes(range(256)) * 4, ("no es de audio ni de vídeo",)),
    ],
)
def test_refused_content_gets_one_line_naming_it(
    tmp_path: Path, content: bytes, words: tuple[str, ...]
) -> None:
    path = tmp_path / "pleno.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError) as caught:
        sniff(path)
    err = caught.value
    assert "\n" not in str(err)
    assert err.message.startswith(("pleno.mp4 es ", "pleno.mp4 está "))
    for word in words:
        assert word in str(err)
    assert err.hint  # what to do instead
    if content:
        assert "MP4" in err.hint


def test_sniff_of_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"No se puede leer nada\.mp4"):
        sniff(tmp_path / "nada.mp4")


def test_signatures_without_a_file() -> None:
    assert sniff_bytes(FTYP + b"#EXTM3U\n") == "mov"  # caught later: see below
    assert sniff_bytes(b"\x1a\x45\xdf\xa3\x01") == "matroska"
    assert sniff_bytes(b"\xff\xfb\x90\x00") == "mp3"  # MPEG-1 layer III
    assert sniff_bytes(b"\xff\xf1\x50\x80") == "aac"  # ADTS
    assert sniff_bytes(b"\xff\xff\xff\xff") is None  # reserved layer/version bits
    assert sniff_bytes(b"\x00\x00\x00\x04ftyp") is None  # a box smaller than its header
    assert set(FORMAT_WHITELIST.split(",")) == set(ACCEPTED_FORMATS)


def test_guard_forces_the_sniffed_demuxer_on_every_local_input(media: Path, tmp_path: Path) -> None:
    wav = media / "tone.wav"
    args = guard_inputs(["-i", f"file:{wav}", "-i", str(media / "victim.mp4"), "out.wav"])
    assert args[args.index(f"file:{wav}") - 3 : args.index(f"file:{wav}") - 1] == ["-f", "wav"]
    victim = args.index(str(media / "victim.mp4"))
    assert args[victim - 3 : victim - 1] == ["-f", "mov"]
    # an explicit -f of the caller wins; the whitelist still applies
    forced = guard_inputs(["-f", "concat", "-i", str(wav), "o.wav"])
    assert forced.count("-f") == 1 and "-format_whitelist" in forced
    with pytest.raises(MediaError, match=r"whitelist|Invalid"):
        run_ffmpeg(["-f", "concat", "-i", str(wav), "-f", "null", "-"], what="test")


# -- playlists and lists named .mp4 that point at another upload ------------------------------

HLS = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:2.0,\n{}\n#EXT-X-ENDLIST\n"
CONCAT = "ffconcat version 1.0\nfile '{}'\n"


def _lists() -> dict[str, bytes]:
    """Each way to dress a list of another file (the victim) as a recording."""
    hls, concat = HLS.format("victim.ts").encode(), CONCAT.format("victim.mp4").encode()
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    return {
        "hls": hls,
        "concat": concat,
        "ftyp+hls": FTYP + hls,
        "ftyp+concat": FTYP + concat,
        "ebml+hls": b"\x1a\x45\xdf\xa3" + hls,
        "id3+concat": id3 + concat,
        "riff+hls": b"RIFF\x00\x01\x00\x00WAVEfmt " + hls,
    }


def test_the_lists_are_real_threats_without_the_guard(media: Path, tmp_path: Path) -> None:
    """Control: plain ffmpeg and PyAV follow these lists and read the victim's audio."""
    _beside_victims(media, tmp_path)
    concat = tmp_path / "list.mp4"
    concat.write_bytes(_lists()["concat"])
    hls = tmp_path / "list.m3u8"  # ffmpeg 9 no longer guesses HLS in a .mp4; 5.x does
    hls.write_bytes(_lists()["hls"])
    with av.open(str(concat), options={"protocol_whitelist": "file"}) as container:
        assert container.format.name == "concat" and container.streams.audio
    for path in (concat, hls):
        out = tmp_path / f"{path.suffix[1:]}.wav"
        subprocess.run(
            [ffmpeg_binary(), "-v", "error", "-y", "-protocol_whitelist", "file",
             "-i", str(path), "-map", "0:a", str(out)],
            check=True,
        )  # fmt: skip
        assert out.stat().st_size > 10_000  # the victim's two seconds of tone


@pytest.mark.parametrize("kind", ["hls", "concat", "ftyp+hls", "ftyp+concat", "ebml+hls",
                                  "id3+concat", "riff+hls"])  # fmt: skip
def test_probe_audio_and_proxy_never_read_the_other_file(
    media: Path, tmp_path: Path, kind: str
) -> None:
    _beside_victims(media, tmp_path)
    playlist = tmp_path / "pleno.mp4"
    playlist.write_bytes(_lists()[kind])

    with pytest.raises(InputError) as probed:
        inspect_recording(playlist)
    assert "pleno.mp4" in probed.value.message and "\n" not in str(probed.value)
    if kind in ("hls", "concat"):
        assert ("lista HLS" if kind == "hls" else "lista ffconcat") in probed.value.message

    wav = tmp_path / "work" / "audio.wav"
    with pytest.raises(InputError):
        extract_audio(playlist, wav)
    assert not wav.exists()

    # The proxy step trusts a stored description; even so the bytes are not followed.
    victim = inspect_recording(media / "victim.mp4")
    pretend = Recording("pleno.mp4", "0" * 64, 100, victim.duration_s, "mov", victim.streams)
    proxy = tmp_path / "web" / "proxy.mp4"
    with pytest.raises(InputError):
        make_proxy(playlist, proxy, pretend)
    assert not proxy.exists()


def test_a_media_header_in_front_of_a_playlist_is_named(media: Path, tmp_path: Path) -> None:
    playlist = tmp_path / "pleno.mp4"
    playlist.write_bytes(_lists()["ftyp+hls"])
    with pytest.raises(MediaError, match="esconde una lista de reproducción"):
        probe(playlist)


def test_audio_only_proxy_of_a_list_is_refused(media: Path, tmp_path: Path) -> None:
    listing = tmp_path / "pleno.m4a"
    _beside_victims(media, tmp_path)
    listing.write_bytes(_lists()["ftyp+concat"])
    audio = Recording(
        "pleno.m4a", "0" * 64, 100, 2.0, "mov", (Stream(0, "audio", "aac", channels=1),)
    )
    with pytest.raises(MediaError, match=r"hacer la versión web de pleno\.m4a"):
        make_proxy(listing, tmp_path / "p.mp4", audio)
