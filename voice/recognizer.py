"""Speech recognition with Vosk: the :class:`~voice.api.Transcriber` the engine and the CLI use.

One :class:`VoskTranscriber` per process: the model is loaded once and shared by every call; each
call gets its own ``KaldiRecognizer`` (16 kHz, word confidences on). A bounded pool (a semaphore of
``workers``) caps how many recognitions run at once, so a burst of voice messages queues (and is
refused after ``busy_timeout``) instead of starving the server; callers run
:meth:`VoskTranscriber.transcribe` off the event loop.

Free decoding reuses finished recognizers: a new free-decoding recognizer builds its decoding graph
(the lookahead composition of HCLr and Gr) lazily and pays about 1.5 s for it on its first
utterance, which dwarfs the recognition of a short answer. A finished recognizer starts its next
utterance with a fresh decoder and feature pipeline (no state carries over; word times are shifted
back to 0) but keeps that graph, so idle ones are kept (``max_idle``, by default ``workers``) and
recycled after ``max_reuse`` utterances. Grammar recognizers are cheap (about 1 ms) and are made for
each call.

Confidence: the transcript's ``confidence`` is its least certain word ([unk] counts 0), and a grammar
result that is not made of whole phrases is capped at :data:`FRAGMENT_CONFIDENCE`, below the engine's
read-back threshold: Vosk's grammars back off to single words, so pieces of phrases come back too.

Nothing here logs audio or transcripts; grammars hold questionnaire phrases only.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice.api import Transcript, VoiceUnavailable, Word
from voice.audio import BYTES_PER_SECOND, DEFAULT_MAX_SECONDS, SAMPLE_RATE, decode, pcm_seconds
from voice.model import read_vocabulary, resolve_model
from voice.vocabulary import UNK, GrammarPlan, Vocabulary

log = logging.getLogger(__name__)

CHUNK_BYTES = BYTES_PER_SECOND // 4  # 0.25 s of audio per AcceptWaveform call
FRAGMENT_CONFIDENCE = 0.5  # the most a grammar result that is not made of whole phrases can score
GRAMMAR_END_SILENCE = 0.2  # seconds of quiet after a whole grammar phrase that end the answer
FRAGMENT_END_SILENCE = 0.6  # ... and after a piece of a phrase, which the speaker may still finish
_MAX_PLANS = 512


def overall_confidence(words: Sequence[Word]) -> float:
    """How sure the recogniser is of the whole result: its least certain word; 0 when nothing was heard.

    A ``[unk]`` (speech outside the grammar) counts as a word heard with confidence 0. The weakest
    word, not the mean, decides: answers are a few words long, and one doubtful word is enough to
    change the value (“一九八三年十月” heard as “一九八三年 是 说”, mean 0.68, weakest 0.38), so
    one doubtful word must lead to a read-back.
    """
    return min((0.0 if w.word == UNK else w.conf for w in words), default=0.0)


def mean_confidence(words: Sequence[Word]) -> float:
    """The mean word confidence ([unk] counts 0); 0 when nothing was heard. For long recordings."""
    if not words:
        return 0.0
    return sum(0.0 if w.word == UNK else w.conf for w in words) / len(words)


class FairSlots:
    """A counting semaphore that serves waiters first come, first served.

    ``threading.Semaphore`` lets a thread that just released a slot take it again before the
    threads already waiting, so with many live streams feeding in a loop some starve; here a
    released slot is handed to the longest-waiting thread.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._lock = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float | None = None) -> bool:
        """Take a slot, waiting at most ``timeout`` seconds (None: as long as it takes)."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            baton = threading.Lock()
            baton.acquire()
            self._waiting.append(baton)
        if baton.acquire(timeout=-1 if timeout is None else timeout):
            return True
        with self._lock:
            try:
                self._waiting.remove(baton)
            except ValueError:
                return True  # handed a slot just as the wait ran out
            return False

    def release(self) -> None:
        """Give the slot to the longest-waiting thread, or back to the pool."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        """How many threads wait for a slot."""
        with self._lock:
            return len(self._waiting)


@dataclass
class _Checkout:
    recognizer: Any
    plan: GrammarPlan | None
    uses: int = 0  # utterances this recognizer finished before
    offset: float = 0.0  # seconds it was fed before: Vosk counts word times from its first utterance


class VoskTranscriber:
    """Vosk recognition behind the Transcriber protocol: thread-safe, bounded, grammar-aware."""

    def __init__(
        self,
        model_dir: Path,
        workers: int = 2,
        *,
        max_seconds: float = DEFAULT_MAX_SECONDS,
        busy_timeout: float | None = 60.0,
        max_reuse: int = 500,
        max_idle: int | None = None,
        log_level: int = -1,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        try:
            import vosk
        except ImportError as exc:  # pragma: no cover - vosk is a dependency of the project
            raise VoiceUnavailable("the vosk package is not installed") from exc
        vosk.SetLogLevel(log_level)  # Kaldi writes to stderr otherwise, grammars included
        self.model_dir = Path(model_dir)
        try:
            self.model = vosk.Model(str(self.model_dir))  # a path, never lang=: no download, no exit
        except Exception as exc:  # vosk raises a bare Exception when the folder is not a model
            raise VoiceUnavailable(f"cannot load the Vosk model from {self.model_dir}: {exc}") from exc
        self._vosk = vosk
        self.vocabulary = Vocabulary(read_vocabulary(self.model_dir))
        self.workers = workers
        self.max_seconds = max_seconds
        self.busy_timeout = busy_timeout
        self.max_reuse = max_reuse
        self.max_idle = workers if max_idle is None else max_idle  # warm free-decoding recognizers kept
        self._slots = FairSlots(workers)
        self._lock = threading.Lock()
        self._idle: list[_Checkout] = []  # finished free-decoding recognizers, ready for the next utterance
        self._plans: dict[tuple[str, ...], GrammarPlan] = {}
        self._closed = False

    @classmethod
    def from_path(cls, path: Path, cache_dir: Path | None = None, workers: int = 2, **options: Any) -> VoskTranscriber:
        """Load from ``INTAKE_VOSK_MODEL``: a model folder or its zip (unpacked once into ``cache_dir``)."""
        return cls(resolve_model(path, cache_dir), workers, **options)

    # -- grammars -----------------------------------------------------------------------------

    def plan(self, phrases: Sequence[str]) -> GrammarPlan:
        """The Vosk grammar for ``phrases``; phrases outside the vocabulary are reported once with a warning."""
        key = tuple(phrases)
        with self._lock:
            found = self._plans.get(key)
        if found is not None:
            return found
        plan = self.vocabulary.plan(key)
        if plan.oov:
            log.warning("grammar phrases not in the Vosk model's vocabulary, left out: %s",
                        ", ".join(repr(p) for p in plan.oov))
        if len(plan.phrases) == 1:
            log.warning("no phrase of a grammar of %d is in the model's vocabulary; decoding freely", len(key))
        with self._lock:
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def out_of_vocabulary(self, phrases: Sequence[str]) -> list[str]:
        """The phrases that cannot be written in the model's words (and so cannot be recognised)."""
        return list(self.plan(phrases).oov)

    # -- recognition ----------------------------------------------------------------------------

    def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
        """Recognise ``audio`` in any supported format; with ``grammar`` only those phrases (plus [unk])."""
        plan = self._plan_or_none(grammar)
        with self._slot():
            pcm = decode(audio, fmt, max_seconds=self.max_seconds)
            return self._recognise(pcm, plan)

    def transcribe_pcm(self, pcm: bytes, grammar: Sequence[str] | None = None) -> Transcript:
        """Recognise 16 kHz mono 16-bit little-endian PCM."""
        plan = self._plan_or_none(grammar)
        with self._slot():
            return self._recognise(pcm, plan)

    def stream(self, grammar: Sequence[str] | None = None, *, quick_end: bool = False) -> RecognitionStream:
        """A live recognition fed chunk by chunk (a phone call, the console's microphone).

        ``quick_end`` (with a grammar, for answers of one short phrase) notices the end of speech
        after :data:`GRAMMAR_END_SILENCE` of quiet after whole phrases; otherwise the utterance
        ends at Vosk's own endpoint (answers with pauses inside them).
        """
        self._check_open()
        plan = self._plan_or_none(grammar)
        quick = quick_end and plan is not None
        return RecognitionStream(self, self._checkout(plan), GRAMMAR_END_SILENCE if quick else None)

    def close(self) -> None:
        """Release the idle recognizers; later calls raise VoiceUnavailable."""
        with self._lock:
            self._closed = True
            self._idle.clear()

    # -- internals ----------------------------------------------------------------------------

    def _plan_or_none(self, grammar: Sequence[str] | None) -> GrammarPlan | None:
        if not grammar:
            return None
        plan = self.plan(grammar)
        return plan if len(plan.phrases) > 1 else None

    def _check_open(self) -> None:
        if self._closed:
            raise VoiceUnavailable("speech recognition has been shut down")

    @contextmanager
    def _slot(self) -> Iterator[None]:
        self._check_open()
        if not self._slots.acquire(self.busy_timeout):
            raise VoiceUnavailable(f"speech recognition is busy ({self.workers} at work); try again shortly")
        try:
            yield
        finally:
            self._slots.release()

    def _checkout(self, plan: GrammarPlan | None) -> _Checkout:
        if plan is None:
            with self._lock:
                if self._idle:
                    return self._idle.pop()
            rec = self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        else:
            rec = self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE, json.dumps(plan.json_ready, ensure_ascii=False))
        rec.SetWords(True)
        return _Checkout(rec, plan)

    def _checkin(self, checkout: _Checkout, seconds: float) -> None:
        """Keep a finished free-decoding recognizer for the next call (its graph cache is warm).

        Not called for a recognizer whose last chunk ended an utterance (Result, then FinalResult
        with nothing in between): Vosk leaves such a recognizer in a state where the next
        utterance's word confidences come out wrong (all 1.0), so it is dropped instead.
        """
        if checkout.plan is not None:
            return
        with self._lock:
            if not self._closed and len(self._idle) < self.max_idle and checkout.uses + 1 < self.max_reuse:
                self._idle.append(_Checkout(checkout.recognizer, None, checkout.uses + 1, checkout.offset + seconds))

    def _recognise(self, pcm: bytes, plan: GrammarPlan | None) -> Transcript:
        checkout = self._checkout(plan)
        rec = checkout.recognizer
        words: list[Word] = []
        endpoint = False
        for start in range(0, len(pcm), CHUNK_BYTES):
            endpoint = bool(rec.AcceptWaveform(pcm[start : start + CHUNK_BYTES]))
            if endpoint:
                words.extend(_words(rec.Result(), checkout.offset))
        words.extend(_words(rec.FinalResult(), checkout.offset))
        if not endpoint:  # not reached on an error: a half-used recognizer is dropped
            self._checkin(checkout, pcm_seconds(pcm))
        return _transcript(words, pcm_seconds(pcm), plan)


class SpeechEnd:
    """Notices the end of speech from the audio level, sooner than Vosk's endpoint rules.

    Vosk ends an utterance after 0.5 to 2 s of trailing silence; for a closed question (a short
    phrase heard with a grammar) a fifth of a second of quiet after a whole phrase is enough, and
    the answer is filled in that much sooner. The level of each 10 ms frame is compared with the
    background level measured in the quiet frames (never in speech, so it cannot climb with the
    voice); in steady noise louder than the threshold nothing is detected and Vosk's rules apply.
    """

    FRAME = 160  # samples: 10 ms
    MIN_SPEECH_RMS = 300.0  # about -40 dBFS: quieter is never speech
    NOISE_MARGIN = 3.0  # speech is this many times louder than the background

    def __init__(self, quiet_seconds: float) -> None:
        self.quiet_seconds = quiet_seconds
        self.floor: float | None = None
        self.voiced = False
        self.quiet = 0.0  # seconds of quiet since the last voiced frame
        self._tail = b""

    def feed(self, pcm: bytes) -> None:
        """Measure the frames of a chunk of 16 kHz mono s16le audio."""
        data = self._tail + pcm
        usable = len(data) - len(data) % (2 * self.FRAME)
        self._tail = data[usable:]
        samples = memoryview(data[:usable]).cast("h")
        for i in range(0, len(samples), self.FRAME):
            frame = samples[i:i + self.FRAME]
            rms = math.sqrt(sum(x * x for x in frame) / self.FRAME)
            threshold = max(self.MIN_SPEECH_RMS, self.NOISE_MARGIN * (self.floor if self.floor is not None else 0.0))
            if rms > threshold:
                self.voiced = True
                self.quiet = 0.0
                continue
            self.quiet += self.FRAME / SAMPLE_RATE
            self.floor = rms if self.floor is None or rms < self.floor else 0.95 * self.floor + 0.05 * rms

    @property
    def ended(self) -> bool:
        """Speech was heard, and has been followed by enough quiet."""
        return self.voiced and self.quiet >= self.quiet_seconds


class RecognitionStream:
    """One utterance recognised while it is spoken; :meth:`finish` gives the transcript."""

    def __init__(self, owner: VoskTranscriber, checkout: _Checkout, end_silence: float | None = None) -> None:
        self._owner = owner
        self._checkout: _Checkout | None = checkout
        self._words: list[Word] = []
        self._bytes = 0
        self._speech_end = SpeechEnd(end_silence) if end_silence else None
        self._endpoint = False  # the last chunk fed ended an utterance

    def feed(self, pcm: bytes) -> bool:
        """Add 16 kHz mono s16le audio as it arrives; True when an utterance with words has just ended.

        An utterance ends at Vosk's endpoint (trailing silence after speech) or, with a grammar,
        at :data:`GRAMMAR_END_SILENCE` of quiet after speech that was heard as whole phrases; True means "the
        person finished speaking", so a console can take the answer without a click.
        """
        checkout = self._require()
        ended = False
        with self._owner._slot():
            for start in range(0, len(pcm), CHUNK_BYTES):
                self._endpoint = bool(checkout.recognizer.AcceptWaveform(pcm[start : start + CHUNK_BYTES]))
                if self._endpoint:
                    words = _words(checkout.recognizer.Result(), checkout.offset)
                    self._words.extend(words)
                    ended = ended or bool(words)
            if not ended and self._speech_end is not None and checkout.plan is not None:
                self._speech_end.feed(pcm)
                if self._speech_end.ended:
                    # whole phrases end at once; a piece of one ("自主…") gets longer to be finished
                    heard = str(json.loads(checkout.recognizer.PartialResult()).get("partial", "")).split()
                    if any(w != UNK for w in heard):
                        ended = (checkout.plan.whole_phrases(heard)
                                 or self._speech_end.quiet >= FRAGMENT_END_SILENCE)
        self._bytes += len(pcm)
        return ended

    @property
    def seconds(self) -> float:
        """How much audio has been fed."""
        return self._bytes / BYTES_PER_SECOND

    @property
    def heard_words(self) -> bool:
        """Whether a finished utterance holds any word (a grammar's [unk] included)."""
        return bool(self._words)

    def partial(self) -> str:
        """The text heard so far (the last words may still change), for a live display."""
        checkout = self._require()
        with self._owner._slot():
            partial = json.loads(checkout.recognizer.PartialResult()).get("partial", "")
        done = "".join(w.word for w in self._words if w.word != UNK)
        return done + "".join(str(partial).replace(UNK, "").split())

    def finish(self) -> Transcript:
        """End of speech: the final transcript (the stream cannot be fed afterwards)."""
        checkout = self._require()
        with self._owner._slot():
            self._words.extend(_words(checkout.recognizer.FinalResult(), checkout.offset))
        self._checkout = None
        if not self._endpoint:
            self._owner._checkin(checkout, self._bytes / BYTES_PER_SECOND)
        return _transcript(self._words, self._bytes / BYTES_PER_SECOND, checkout.plan)

    def _require(self) -> _Checkout:
        if self._checkout is None:
            raise RuntimeError("this recognition stream has finished")
        return self._checkout


def _words(result_json: str, offset: float) -> list[Word]:
    """The words of a Vosk result, timed from the start of this utterance."""
    data = json.loads(result_json)
    return [Word(str(w["word"]), float(w.get("conf", 0.0)), round(float(w.get("start", 0.0)) - offset, 3),
                 round(float(w.get("end", 0.0)) - offset, 3))
            for w in data.get("result", ())]


def _transcript(words: Sequence[Word], seconds: float, plan: GrammarPlan | None) -> Transcript:
    heard = "".join(w.word for w in words if w.word != UNK)
    confidence = overall_confidence(words)
    if plan is not None:
        heard = plan.restore(heard)
        if not plan.whole_phrases([w.word for w in words]):
            confidence = min(confidence, FRAGMENT_CONFIDENCE)  # pieces of phrases: read it back
    unknown = plan is not None and not heard
    return Transcript(text=heard, confidence=confidence, words=tuple(words), seconds=seconds,
                      unknown=unknown, mean_confidence=mean_confidence(words))
