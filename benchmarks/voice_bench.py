"""Speech recognition benchmarks with the real Vosk model, written to results/voice_bench.json.

Run: .venv/bin/python benchmarks/voice_bench.py [--model PATH] [--rounds N] [--quick] [--pace]

The model is INTAKE_VOSK_MODEL, --model, or ../shared/models/vosk-model-small-cn-0.22.zip unpacked
into the cache. Audio: the 3 read-speech clips and the 64 spoken answers of ../shared/data/audio.

1. accuracy: character errors on the read-speech clips; the spoken answers right / flagged / wrong;
2. real-time factor (processing time / audio time, one thread) of free and of grammar decoding;
3. overhead of the whole pipeline (decode the WAV bytes + recognise + nlu parse, through
   VoskTranscriber) against raw Vosk fed the same PCM the same way, interleaved clip by clip;
4. latency from the end of speech to the filled answer for closed questions: the answer is fed to
   a grammar stream in 100 ms chunks; timed from the last chunk to the parsed value; and the same
   with the detection of the end of speech included (the answer followed by quiet, as a live
   microphone gives it: from the end of the last word to the filled answer);
5. live streams two cores sustain: N streams decoded at once (threads, the default pool of 2
   workers, each stream hearing the audio from a different point); the largest N whose wall time
   stays within the audio time (RTF <= 1), then N streams paced at real time (lag after the end of
   the audio; the most streams whose p95 lag stays within 0.5 s). Wall-clock figures depend on
   what else runs on the machine (the load average is recorded); the CPU-time figures do not.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import threading
import time
import wave
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("INTAKE_SHARED", ROOT.parent / "shared"))
AUDIO = SHARED / "data" / "audio"
ANSWERS = AUDIO / "answers"
RESULTS = Path(__file__).resolve().parent / "results"
CHUNK = 3200  # 100 ms of 16 kHz 16-bit audio
LIVE_CHUNK = 1600  # 50 ms: what the collector console's microphone sends per frame

from bot.grammar import ends_at_first_pause, phrases_for  # noqa: E402
from bot.questionnaire import Question, load_all  # noqa: E402
from bot.understanding import Understanding  # noqa: E402
from tests.voice.answers import NOW, char_error_rate, question_for, read_clips, recognise  # noqa: E402
from voice.audio import BYTES_PER_SECOND, decode  # noqa: E402
from voice.model import MODEL_NAME, resolve_model  # noqa: E402
from voice.recognizer import CHUNK_BYTES, FRAGMENT_CONFIDENCE, VoskTranscriber  # noqa: E402


@dataclass
class Item:
    """One clip with the grammar and question it is recognised with."""

    name: str
    wav: bytes
    pcm: bytes
    question: Question | None
    grammar: list[str] | None

    @property
    def seconds(self) -> float:
        return len(self.pcm) / BYTES_PER_SECOND


def _pcm(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes())


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _model_dir(arg: str | None) -> Path:
    source = arg or os.environ.get("INTAKE_VOSK_MODEL") or str(SHARED / "models" / f"{MODEL_NAME}.zip")
    return resolve_model(Path(source))


# -- 1. accuracy ---------------------------------------------------------------------------------------


def accuracy(t: VoskTranscriber, understanding: Understanding, questionnaires: Any) -> dict[str, Any]:
    with (AUDIO / "transcripts.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    clips = {}
    for row in rows:
        heard = t.transcribe((AUDIO / row["file"]).read_bytes(), "wav")
        clips[row["file"]] = {"reference": row["text"], "heard": heard.text, "cer": round(char_error_rate(row["text"], heard.text), 4),
                              "confidence": round(heard.confidence, 3)}
    outcomes = [recognise(t, understanding, questionnaires, ANSWERS, c) for c in read_clips(ANSWERS)]
    by_mode = Counter(f"{'grammar' if o.grammar else 'free'}/{o.status}" for o in outcomes)
    return {
        "read_speech": clips,
        "answers": dict(Counter(o.status for o in outcomes)),
        "answers_by_mode": dict(sorted(by_mode.items())),
        "answers_not_right": [{"file": o.clip.file, "said": o.clip.text, "heard": o.heard.text,
                               "confidence": round(o.heard.confidence, 3), "unknown": o.heard.unknown,
                               "status": o.status} for o in outcomes if not o.right],
    }


# -- 2. real-time factor -------------------------------------------------------------------------------


def rtf(t: VoskTranscriber, items: Sequence[Item], *, grammar: bool) -> dict[str, float]:
    wall = cpu = audio = 0.0
    for it in items:
        w0, c0 = time.perf_counter(), time.thread_time()
        t.transcribe_pcm(it.pcm, it.grammar if grammar else None)
        wall += time.perf_counter() - w0
        cpu += time.thread_time() - c0
        audio += it.seconds
    return _rtf(len(items), audio, wall, cpu)


def _rtf(clips: int, audio: float, wall: float, cpu: float) -> dict[str, float]:
    return {"clips": clips, "audio_s": round(audio, 2), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "rtf_wall": round(wall / audio, 4), "rtf_cpu": round(cpu / audio, 4)}


def cold_rtf(t: VoskTranscriber, items: Sequence[Item]) -> dict[str, float]:
    """Free decoding with a new KaldiRecognizer per clip, as a naive caller would."""
    import vosk

    wall = cpu = audio = 0.0
    for it in items:
        w0, c0 = time.perf_counter(), time.thread_time()
        rec = vosk.KaldiRecognizer(t.model, 16000)
        rec.SetWords(True)
        for i in range(0, len(it.pcm), CHUNK_BYTES):
            rec.AcceptWaveform(it.pcm[i : i + CHUNK_BYTES])
        json.loads(rec.FinalResult())
        wall += time.perf_counter() - w0
        cpu += time.thread_time() - c0
        audio += it.seconds
    return _rtf(len(items), audio, wall, cpu)


# -- 3. pipeline overhead ------------------------------------------------------------------------------


def overhead(t: VoskTranscriber, understanding: Understanding, items: Sequence[Item], rounds: int) -> dict[str, Any]:
    import vosk

    raw_free = vosk.KaldiRecognizer(t.model, 16000)
    raw_free.SetWords(True)
    plans = {id(it): json.dumps(t.plan(it.grammar).json_ready, ensure_ascii=False) for it in items if it.grammar}

    def raw(it: Item) -> None:
        if it.grammar:
            rec = vosk.KaldiRecognizer(t.model, 16000, plans[id(it)])
            rec.SetWords(True)
        else:
            rec = raw_free
        for i in range(0, len(it.pcm), CHUNK_BYTES):
            if rec.AcceptWaveform(it.pcm[i : i + CHUNK_BYTES]):
                json.loads(rec.Result())
        json.loads(rec.FinalResult())

    def pipeline(it: Item) -> None:
        heard = t.transcribe(it.wav, "wav", it.grammar)
        if it.question is not None and heard.text:
            understanding.parse(it.question, heard.text, NOW)

    for it in items:  # warm both (graph caches of the free recognizers)
        raw(it)
        pipeline(it)
    # CPU time of this thread (immune to other processes on the machine) and wall time
    totals = {(mode, name, clock): 0.0 for mode in ("grammar", "free") for name in ("raw", "pipeline")
              for clock in ("cpu", "wall")}
    for r in range(rounds):
        for it in items:
            mode = "grammar" if it.grammar else "free"
            order: list[tuple[str, Callable[[Item], None]]] = [("raw", raw), ("pipeline", pipeline)]
            for name, fn in order if r % 2 == 0 else reversed(order):
                w0, c0 = time.perf_counter(), time.thread_time()
                fn(it)
                totals[(mode, name, "cpu")] += time.thread_time() - c0
                totals[(mode, name, "wall")] += time.perf_counter() - w0
    out: dict[str, Any] = {"rounds": rounds}
    for mode in ("grammar", "free", "all"):
        modes = ("grammar", "free") if mode == "all" else (mode,)
        row: dict[str, float] = {}
        for clock in ("cpu", "wall"):
            raw_s = sum(totals[(m, "raw", clock)] for m in modes)
            pipe_s = sum(totals[(m, "pipeline", clock)] for m in modes)
            row.update({f"raw_{clock}_s": round(raw_s, 3), f"pipeline_{clock}_s": round(pipe_s, 3),
                        f"overhead_{clock}_pct": round(100 * (pipe_s - raw_s) / raw_s, 2)})
        out[mode] = row
    # the decoding of compressed channel audio, which raw Vosk cannot take at all
    ogg = _ogg(items[0].wav)
    if ogg is not None:
        start = time.perf_counter()
        for _ in range(20):
            decode(ogg, "ogg")
        out["opus_decode_ms_per_audio_s"] = round(1000 * (time.perf_counter() - start) / 20 / items[0].seconds, 3)
    return out


def _ogg(wav: bytes) -> bytes | None:
    import io

    import av

    buf = io.BytesIO()
    with av.open(io.BytesIO(wav), mode="r") as inp, av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in inp.decode(audio=0):
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    return buf.getvalue()


# -- 4. latency ------------------------------------------------------------------------------------------


def latency(t: VoskTranscriber, understanding: Understanding, items: Sequence[Item], *, pace: bool) -> dict[str, Any]:
    waits: list[float] = []
    cpus: list[float] = []
    for it in items:
        stream = t.stream(it.grammar)
        chunks = [it.pcm[i : i + CHUNK] for i in range(0, len(it.pcm), CHUNK)]
        began = time.perf_counter()
        for n, chunk in enumerate(chunks[:-1]):
            stream.feed(chunk)
            if pace:
                _sleep_until(began + (n + 1) * CHUNK / BYTES_PER_SECOND)
        w0, c0 = time.perf_counter(), time.thread_time()  # the last piece of speech arrives
        stream.feed(chunks[-1])
        heard = stream.finish()
        if it.question is not None and heard.text:
            understanding.parse(it.question, heard.text, NOW)
        waits.append(1000 * (time.perf_counter() - w0))
        cpus.append(1000 * (time.thread_time() - c0))
    return {"clips": len(items), "paced": pace,
            "wall_p50_ms": round(statistics.median(waits), 1), "wall_p95_ms": round(_pct(waits, 95), 1),
            "wall_max_ms": round(max(waits), 1),
            "cpu_p50_ms": round(statistics.median(cpus), 1), "cpu_p95_ms": round(_pct(cpus, 95), 1),
            "cpu_max_ms": round(max(cpus), 1)}


def end_of_speech(t: VoskTranscriber, understanding: Understanding, items: Sequence[Item]) -> dict[str, Any]:
    """From the end of the last word to the filled answer, the detection of the end of speech included.

    Each answer and 2 s of quiet are fed in 50 ms chunks, as the console's microphone sends them;
    the stream says when the person has stopped (a fifth of a second of quiet after whole grammar
    phrases, Vosk's endpoint otherwise). The delay is the audio between the end of the last word (Vosk's timing)
    and the end of that chunk, plus the time to finish and parse once it has arrived.
    """
    totals: list[float] = []
    whole: list[float] = []  # answers heard as whole grammar phrases (or freely): the confident ones
    detections: list[float] = []
    computes: list[float] = []
    missed = 0
    quiet = bytes(2 * BYTES_PER_SECOND)
    for it in items:
        audio = it.pcm + quiet
        stream = t.stream(it.grammar, quick_end=ends_at_first_pause(it.question))
        ended = False
        w0 = time.perf_counter()
        for i in range(0, len(audio), LIVE_CHUNK):
            w0 = time.perf_counter()
            if stream.feed(audio[i : i + LIVE_CHUNK]):
                ended = True
                break
        heard = stream.finish()
        if it.question is not None and heard.text:
            understanding.parse(it.question, heard.text, NOW)
        compute = 1000 * (time.perf_counter() - w0)
        if not ended or not heard.words:
            missed += 1
            continue
        detection = 1000 * (stream.seconds - heard.words[-1].end)  # [unk] is speech too, outside the grammar
        detections.append(detection)
        computes.append(compute)
        totals.append(detection + compute)
        if heard.confidence > FRAGMENT_CONFIDENCE or it.grammar is None:
            whole.append(detection + compute)
    return {"clips": len(items), "not_ended_before_the_audio_did": missed,
            "total_p50_ms": round(statistics.median(totals), 1), "total_p95_ms": round(_pct(totals, 95), 1),
            "total_max_ms": round(max(totals), 1),
            "confident_answers": len(whole),
            "confident_p50_ms": round(statistics.median(whole), 1), "confident_p95_ms": round(_pct(whole, 95), 1),
            "detection_p50_ms": round(statistics.median(detections), 1),
            "compute_p50_ms": round(statistics.median(computes), 1)}


def _end_of_speech(t: VoskTranscriber, understanding: Understanding, closed: Sequence[Item],
                   open_: Sequence[Item]) -> dict[str, Any]:
    """End of speech to filled answer, for one-phrase answers, closed answers with pauses, open answers."""
    one_phrase = [a for a in closed if ends_at_first_pause(a.question)]
    return {
        "end_of_speech_one_phrase_answers": end_of_speech(t, understanding, one_phrase),
        "end_of_speech_closed_with_pauses": end_of_speech(t, understanding, [a for a in closed if a not in one_phrase]),
        "end_of_speech_open_questions": end_of_speech(t, understanding, open_),
    }


def _sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        time.sleep(delay)


# -- 5. live streams -----------------------------------------------------------------------------------


def _rotations(pcm: bytes, n: int, shift: float) -> list[bytes]:
    """N versions of the audio, each starting elsewhere (whole 100 ms chunks), so no two streams hear the same."""
    chunks = len(pcm) // CHUNK
    out = []
    for k in range(n):
        at = CHUNK * (int(chunks * (k / n + shift)) % chunks)
        out.append(pcm[at:] + pcm[:at])
    return out


def _run_streams(t: VoskTranscriber, audios: Sequence[bytes], grammar: list[str] | None, *, pace: bool) -> tuple[float, list[float]]:
    """One stream per audio, all at once; returns the wall time and, per stream, the lag after the end of its audio."""
    n = len(audios)
    barrier = threading.Barrier(n + 1)
    lags: list[float] = []
    lock = threading.Lock()

    def one(pcm: bytes) -> None:
        chunks = [pcm[i : i + CHUNK] for i in range(0, len(pcm), CHUNK)]
        stream = t.stream(grammar)
        barrier.wait()
        began = time.perf_counter()
        for k, chunk in enumerate(chunks):
            if pace:
                _sleep_until(began + k * CHUNK / BYTES_PER_SECOND)
            stream.feed(chunk)
        stream.finish()
        lag = time.perf_counter() - (began + len(pcm) / BYTES_PER_SECOND)
        with lock:
            lags.append(lag)

    threads = [threading.Thread(target=one, args=(a,)) for a in audios]
    for th in threads:
        th.start()
    barrier.wait()
    start = time.perf_counter()
    for th in threads:
        th.join()
    return time.perf_counter() - start, lags


def streams(t: VoskTranscriber, pcm: bytes, grammar: list[str] | None, limit: int) -> dict[str, Any]:
    audio = len(pcm) / BYTES_PER_SECOND
    trials: dict[int, float] = {}
    cpu_rtf: dict[int, float] = {}

    def trial(n: int) -> float:
        _run_streams(t, _rotations(pcm, n, 0.5), grammar, pace=False)  # n recognizers warmed on other audio
        c0 = time.process_time()
        wall, _ = _run_streams(t, _rotations(pcm, n, 0.0), grammar, pace=False)
        cpu_rtf[n] = round((time.process_time() - c0) / (n * audio), 4)
        trials[n] = round(wall / audio, 3)
        return trials[n]

    good, n = 0, 1
    while n <= limit and trial(n) <= 1.0:
        good, n = n, n * 2
    bad = n
    while bad - good > 1 and good < limit:
        mid = (good + bad) // 2
        if trial(mid) <= 1.0:
            good = mid
        else:
            bad = mid
    per_stream_cpu = statistics.median(cpu_rtf.values())
    out: dict[str, Any] = {"audio_s": round(audio, 2), "wall_rtf_by_streams": dict(sorted(trials.items())),
                           "cpu_s_per_audio_s_per_stream": dict(sorted(cpu_rtf.items())),
                           "max_streams_rtf_le_1": good,
                           "cpu_bound_estimate_2_cores": int(2 / per_stream_cpu)}
    # paced at real time, as live calls are: the most streams whose answers are still out within 0.5 s
    paced: dict[int, dict[str, float]] = {}
    n = good
    while n >= 1:
        _, lags = _run_streams(t, _rotations(pcm, n, 0.25), grammar, pace=True)
        paced[n] = {"lag_p50_ms": round(1000 * statistics.median(lags), 1), "lag_p95_ms": round(1000 * _pct(lags, 95), 1)}
        if paced[n]["lag_p95_ms"] <= 500:
            break
        n = int(n * 0.75)
    out["paced_lag_by_streams"] = dict(sorted(paced.items()))
    out["max_streams_paced_lag_p95_le_500ms"] = n
    return out


# -- main ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", help="model folder or zip (default INTAKE_VOSK_MODEL or ../shared/models)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the overhead measurement")
    parser.add_argument("--quick", action="store_true", help="fewer clips and streams (a smoke run)")
    parser.add_argument("--pace", action="store_true", help="feed the latency clips at real-time pace")
    parser.add_argument("--only", choices=["end_of_speech"],
                        help="run one part only and update it in the results file")
    args = parser.parse_args()

    started = time.perf_counter()
    model_dir = _model_dir(args.model)
    t0 = time.perf_counter()
    t = VoskTranscriber(model_dir, workers=2, max_idle=256)
    load_s = time.perf_counter() - t0
    questionnaires = load_all()
    understanding = Understanding(questionnaires.values())
    understanding.parse(questionnaires["veterans"].by_key["placement"], "自主就业", NOW)  # load jieba

    read = [Item(p.name, p.read_bytes(), _pcm(p), None, None) for p in sorted(AUDIO.glob("*.wav"))]
    answers = []
    for c in read_clips(ANSWERS):
        q = question_for(questionnaires, c.kind)
        wav = (ANSWERS / c.file).read_bytes()
        answers.append(Item(c.file, wav, _pcm(ANSWERS / c.file), q, phrases_for(q)))
    closed = [a for a in answers if a.grammar]
    open_ = [a for a in answers if not a.grammar]
    if args.quick:
        closed, open_ = closed[::4], open_[::4]
    print(f"model {model_dir} loaded in {load_s:.2f} s; {len(read)} read clips, {len(closed)} closed and "
          f"{len(open_)} open answers", file=sys.stderr)

    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "model": model_dir.name,
        "model_load_s": round(load_s, 3),
    }
    if args.only == "end_of_speech":
        stored = json.loads((RESULTS / "voice_bench.json").read_text(encoding="utf-8"))
        stored.update(_end_of_speech(t, understanding, closed, open_))
        (RESULTS / "voice_bench.json").write_text(json.dumps(stored, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
        t.close()
        _summary(stored)
        return
    print("accuracy…", file=sys.stderr)
    results["accuracy"] = accuracy(t, understanding, questionnaires)
    print("real-time factors…", file=sys.stderr)
    results["rtf"] = {
        "free_warm": rtf(t, [*read, *open_, *closed], grammar=False),
        "free_cold_new_recognizer": cold_rtf(t, read),
        "grammar": rtf(t, closed, grammar=True),
    }
    print("pipeline overhead…", file=sys.stderr)
    results["overhead"] = overhead(t, understanding, [*closed, *read, *open_[:6]], 1 if args.quick else args.rounds)
    print("latency…", file=sys.stderr)
    results["latency_closed_questions"] = latency(t, understanding, closed, pace=args.pace)
    results["latency_open_questions_free"] = latency(t, understanding, open_, pace=args.pace)
    results.update(_end_of_speech(t, understanding, closed, open_))
    print("live streams…", file=sys.stderr)
    placement = questionnaires["veterans"].by_key["placement"]
    grammar_audio = b"".join(a.pcm for a in answers if a.question is placement)  # 8 answers, 12 s
    free_audio = b"".join(it.pcm for it in [*read, *open_[:8]])  # read speech and open answers, 30 s
    results["live_streams_2_cores"] = {
        "grammar": streams(t, grammar_audio, phrases_for(placement), 32 if args.quick else 256),
        "free": streams(t, free_audio, None, 8 if args.quick else 32),
    }
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    t.close()

    if not args.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "voice_bench.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
    _summary(results)


def _eos(x: dict[str, Any]) -> str:
    return (f"{x['total_p50_ms']:.0f} / {x['total_p95_ms']:.0f} ms; confident {x['confident_answers']}: "
            f"{x['confident_p50_ms']:.0f} / {x['confident_p95_ms']:.0f} ms")


def _summary(r: dict[str, Any]) -> None:
    acc, rt, ov = r["accuracy"], r["rtf"], r["overhead"]
    lat, lat_free, live = r["latency_closed_questions"], r["latency_open_questions_free"], r["live_streams_2_cores"]
    cer = max(c["cer"] for c in acc["read_speech"].values())

    def streams_row(mode: str) -> str:
        x = live[mode]
        return (f"{x['max_streams_rtf_le_1']} (RTF<=1), {x['max_streams_paced_lag_p95_le_500ms']} paced, "
                f"{x['cpu_bound_estimate_2_cores']} by CPU")

    rows = [
        ("model load", f"{r['model_load_s']:.2f} s", ""),
        ("read speech, worst CER", f"{cer:.1%}", "3 clips"),
        ("spoken answers", ", ".join(f"{k} {v}" for k, v in sorted(acc["answers"].items())), "64 clips"),
        ("RTF free decoding (warm)", f"{rt['free_warm']['rtf_cpu']:.3f} cpu / {rt['free_warm']['rtf_wall']:.3f} wall",
         f"{rt['free_warm']['audio_s']} s audio"),
        ("RTF free, new recognizer", f"{rt['free_cold_new_recognizer']['rtf_cpu']:.3f} cpu", "what reuse avoids"),
        ("RTF grammar decoding", f"{rt['grammar']['rtf_cpu']:.3f} cpu / {rt['grammar']['rtf_wall']:.3f} wall",
         f"{rt['grammar']['audio_s']} s audio"),
        ("pipeline overhead, grammar", f"{ov['grammar']['overhead_cpu_pct']:+.1f} % cpu", "target < 10 %"),
        ("pipeline overhead, free", f"{ov['free']['overhead_cpu_pct']:+.1f} % cpu", "target < 10 %"),
        ("pipeline overhead, all", f"{ov['all']['overhead_cpu_pct']:+.1f} % cpu "
         f"({ov['all']['overhead_wall_pct']:+.1f} % wall)", "target < 10 %"),
        ("latency closed q. p50/p95", f"{lat['wall_p50_ms']:.0f} / {lat['wall_p95_ms']:.0f} ms wall",
         f"cpu {lat['cpu_p50_ms']:.0f} / {lat['cpu_p95_ms']:.0f} ms; target < 300 ms"),
        ("latency open q. p50/p95", f"{lat_free['wall_p50_ms']:.0f} / {lat_free['wall_p95_ms']:.0f} ms wall",
         "free decoding"),
        ("end of speech -> answer, 1 phrase", _eos(r["end_of_speech_one_phrase_answers"]),
         "single choice, yes/no, ethnicity; target < 300 ms"),
        ("end of speech -> answer, pauses", _eos(r["end_of_speech_closed_with_pauses"]),
         "multiple choice, dates, digits: Vosk's endpoint"),
        ("end of speech -> answer, open", _eos(r["end_of_speech_open_questions"]), "Vosk's endpoint"),
        ("live streams, grammar", streams_row("grammar"), "2 cores; paced: lag p95 <= 0.5 s"),
        ("live streams, free", streams_row("free"), "2 cores; paced: lag p95 <= 0.5 s"),
    ]
    width = max(len(a) for a, _, _ in rows)
    print(f"\n{'measure':<{width}}  {'value':<34} note")
    for a, b, c in rows:
        print(f"{a:<{width}}  {b:<34} {c}")
    m = r["machine"]
    print(f"\n(total {r['total_s']} s; load average {m['load_average_at_start']} -> {m['load_average_at_end']})")


if __name__ == "__main__":
    main()
