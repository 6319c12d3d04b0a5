#!/usr/bin/env python3
"""MP3 quality of the standard and the fast mode, measured with PESQ (ITU-T P.862).

Fetches speech from a running gateway (Piper and espeak voices, as pcm16 at each rate),
encodes it with both modes at several bitrates through the same transcoder a stream uses
(`encode_pcm` example), decodes it with ffmpeg, aligns it, and prints PESQ and SNR. PESQ
is defined at 16 kHz (wide-band) and 8 kHz (narrow-band): other rates are scored after
ffmpeg resamples the reference and the decoded audio alike to 16 kHz, which ignores what
lies above 8 kHz. Needs ffmpeg, numpy and the `pesq` package
(`pip install numpy cython wheel && pip install --no-build-isolation pesq` in a venv).

    python3 scripts/bench/mp3_quality.py --gateway http://127.0.0.1:8080 \
        --encoder target/release/examples/encode_pcm
"""
import argparse
import json
import os
import subprocess
import tempfile
import urllib.request

import numpy as np
from pesq import pesq

TEXT = ("The quick brown fox jumps over the lazy dog. Please hold while we connect your "
        "call to the next available agent. Your account balance is forty two dollars and "
        "seventeen cents, due on the fifth of December.")
VOICES = [("piper", "en_US-joe-medium"), ("espeak", "espeak-en-US")]
BITRATES = {
    8000: [48, 32, 16],
    16000: [96, 64, 32, 24],
    22050: [96, 64],
    24000: [96, 64],
    44100: [96, 64],
}
MODES = [("standard", []), ("fast", ["complexity=0"])]


def fetch(gateway, provider, voice, rate):
    body = json.dumps({"provider": provider, "voice": voice, "text": TEXT,
                       "target_format": "pcm16", "sample_rate_hz": rate}).encode()
    req = urllib.request.Request(f"{gateway}/v1/tts/sessions", body,
                                 {"content-type": "application/json"})
    session = json.load(urllib.request.urlopen(req))["session_id"]
    url = f"{gateway}/v1/tts/sessions/{session}/file?format=pcm16"
    return urllib.request.urlopen(url).read()


def decode(path, rate, fmt=None):
    """`path` decoded (or, with `fmt`, read as raw `fmt` at `rate`) as 16-bit mono at `rate`."""
    raw = ["-f", fmt, "-ar", str(rate), "-ac", "1"] if fmt else []
    out = subprocess.run(["ffmpeg", "-v", "error", *raw, "-i", path, "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.int16).astype(np.float64)


def to_pesq_rate(samples, rate, tmp):
    """`samples` at the rate PESQ scores: itself at 8 or 16 kHz, else resampled to 16 kHz."""
    if rate in (8000, 16000):
        return samples, rate
    path = os.path.join(tmp, "score.raw")
    samples.astype(np.int16).tofile(path)
    out = subprocess.run(["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1",
                          "-i", path, "-f", "s16le", "-ar", "16000", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.int16).astype(np.float64), 16000


def align(ref, decoded):
    """The decoded signal shifted by the lag (encoder delay) that best matches `ref`."""
    n = min(len(ref), 20000)
    lags = range(0, min(4000, len(decoded) - len(ref) + 1))
    lag = max(lags, key=lambda k: float(np.dot(ref[:n], decoded[k:k + n])))
    return decoded[lag:lag + len(ref)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", default="http://127.0.0.1:8080")
    ap.add_argument("--encoder", default="target/release/examples/encode_pcm")
    args = ap.parse_args()
    print("| voice | rate | kbit/s | " + " | ".join(f"{m} PESQ | {m} SNR" for m, _ in MODES) + " |")
    print("|---|---:|---:|" + "---:|---:|" * len(MODES))
    with tempfile.TemporaryDirectory() as tmp:
        for provider, voice in VOICES:
            for rate, bitrates in BITRATES.items():
                raw = fetch(args.gateway, provider, voice, rate)
                src = os.path.join(tmp, "in.raw")
                with open(src, "wb") as f:
                    f.write(raw)
                ref = np.frombuffer(raw, dtype=np.int16).astype(np.float64)
                for kbps in bitrates:
                    cells = []
                    for mode, extra in MODES:
                        out = os.path.join(tmp, f"{mode}.mp3")
                        subprocess.run([args.encoder, src, str(rate), "mp3", out,
                                        f"bitrate={kbps}", *extra], check=True)
                        dec = align(ref, decode(out, rate))
                        snr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - dec) ** 2))
                        ref_s, score_rate = to_pesq_rate(ref, rate, tmp)
                        dec_s, _ = to_pesq_rate(dec, rate, tmp)
                        n = min(len(ref_s), len(dec_s))
                        score = pesq(score_rate, ref_s[:n] / 32768, dec_s[:n] / 32768,
                                     "wb" if score_rate == 16000 else "nb")
                        cells += [f"{score:.2f}", f"{snr:.1f} dB"]
                    print(f"| {voice} | {rate} | {kbps} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
