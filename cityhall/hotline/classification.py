"""Suggest a ticket's category and type from its text.

The learned model (jieba tokens → TF-IDF → linear classifier, trained on past tickets' final
categories by `hotline.training`) answers when one is trained; until then the keyword baseline
does. Intake calls `suggest` for every ticket, so inference is done here with numpy on the stored
arrays (no scikit-learn objects, no pickle) and the model is cached in each process.
"""

import io
import itertools
import logging
import math
import re
import threading
import time
import unicodedata
import zipfile
from collections.abc import Container
from dataclasses import dataclass

import jieba
import numpy as np
from django.db.models import Count, Max

from cityhall.hotline.models import Category, ClassifierModel, Kind


@dataclass(frozen=True)
class Suggestion:
    category: str  # a Category code
    kind: str  # a Kind value
    confidence: float  # 0..1


KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Kind.PRAISE, ("表扬", "感谢", "点赞", "谢谢")),
    (Kind.REPORT, ("举报", "揭发")),
    (Kind.CONSULTATION, ("咨询", "请问", "怎么办理", "如何", "是否")),
    (Kind.SUGGESTION, ("建议", "希望增设", "能否增加")),
    (Kind.HELP, ("求助", "帮忙", "救助", "被困")),
)


def kind_guess(text: str) -> str:
    for kind, words in KIND_WORDS:
        if any(word in text for word in words):
            return kind
    return Kind.COMPLAINT


# ---------------------------------------------------------------------------------------------
# Keyword baseline


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    code: str
    name: str
    keywords: tuple[str, ...]


def keyword_table_load() -> tuple[KeywordEntry, ...]:
    """The active categories with their baseline keywords, in code order."""
    rows = Category.objects.filter(is_active=True).order_by("code")
    return tuple(
        KeywordEntry(code, name, tuple(w for w in keywords.split("|") if w))
        for code, name, keywords in rows.values_list("code", "name", "keywords")
    )


def keyword_rank(text: str, table: tuple[KeywordEntry, ...], *, limit: int = 3) -> list[Suggestion]:
    """Categories ranked by how many of their keywords the text contains (ties by code)."""
    scores: list[tuple[int, str]] = []
    for entry in table:
        hits = sum(1 for word in entry.keywords if word in text)
        if hits:
            scores.append((hits, entry.code))
    scores.sort(key=lambda s: (-s[0], s[1]))
    total = sum(h for h, _code in scores) or 1
    kind = kind_guess(text)
    return [Suggestion(code, kind, round(h / total, 3)) for h, code in scores[:limit]]


def keyword_suggest(text: str, *, limit: int = 3) -> list[Suggestion]:
    """The baseline: categories ranked by how many of their keywords the text contains."""
    return keyword_rank(text, _current().keywords, limit=limit)


# ---------------------------------------------------------------------------------------------
# Features, shared by training and inference so both see the same tokens

# Words of the hotline's trade that jieba's general dictionary splits; a private tokenizer gets
# them, so nobody else's use of jieba changes. Changing this list changes the features: retrain.
DOMAIN_WORDS = (
    "水浸街",
    "牛皮癣",
    "小广告",
    "网约车",
    "的士",
    "泥头车",
    "广场舞",
    "化粪池",
    "井盖",
    "河涌",
    "城中村",
    "出租屋",
    "业委会",
    "物业费",
    "长者饭堂",
    "低保",
    "欠薪",
    "社保",
    "违建",
    "僭建",
    "占道",
    "油烟",
    "厨余",
    "燃气",
    "跳闸",
    "打桩",
    "夜间施工",
    "垃圾分类",
    "乱收费",
    "无照",
    "工钱",
)
_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^\w]+")


def _tokenizer_get() -> jieba.Tokenizer:
    global _tokenizer
    tokenizer = _tokenizer
    if tokenizer is not None:
        return tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            fresh = jieba.Tokenizer()
            fresh.initialize()
            for word in DOMAIN_WORDS:
                fresh.add_word(word, freq=20000)
            _tokenizer = fresh
        return _tokenizer


def text_features(text: str) -> list[str]:
    """Word unigrams and bigrams (jieba) plus character bigrams ("#" prefixed) of a text.

    Digits become "0": house numbers and phone numbers carry no category, and personal numbers
    must not end up in a model's vocabulary.
    """
    text = _DIGITS.sub("0", unicodedata.normalize("NFKC", text).lower())
    # HMM off: quicker, and new-word guesses would differ between near-identical texts; the
    # character bigrams cover words the dictionary lacks.
    words = [w for w in _tokenizer_get().lcut(text, HMM=False) if not _NON_WORD.fullmatch(w)]
    features = list(words)
    features.extend(f"{a} {b}" for a, b in itertools.pairwise(words))
    for run in _NON_WORD.split(text):
        features.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
    return features


# ---------------------------------------------------------------------------------------------
# The learned model

PAYLOAD_FORMAT = 1


class LearnedModel:
    """A trained model's arrays, ready to score texts (immutable once built)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        if int(arrays["format"][0]) != PAYLOAD_FORMAT:
            raise ValueError("unknown classifier payload format")
        vocabulary = arrays["vocabulary"].tolist()
        self.index: dict[str, int] = {feature: i for i, feature in enumerate(vocabulary)}
        self.idf = arrays["idf"].astype(np.float32)
        self.categories: tuple[str, ...] = tuple(arrays["categories"].tolist())
        self.kinds: tuple[str, ...] = tuple(arrays["kinds"].tolist())
        # One (features × (categories + kinds)) matrix: a text's few features gather their rows
        # once and one product scores both heads.
        self.weights = np.ascontiguousarray(
            np.hstack([arrays["category_coef"], arrays["kind_coef"]]), dtype=np.float32
        )
        self.category_bias = arrays["category_intercept"].astype(np.float64)
        self.kind_bias = arrays["kind_intercept"].astype(np.float64)
        self.temperature = float(arrays["temperature"][0])

    @classmethod
    def from_payload(cls, payload: bytes) -> "LearnedModel":
        # allow_pickle=False: a payload is data, and loading it must never run code.
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            return cls({name: npz[name] for name in npz.files})

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The text's TF-IDF vector as (feature indices, L2-normalised values), or None."""
        counts: dict[int, int] = {}
        index = self.index
        for feature in text_features(text):
            j = index.get(feature)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return None
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        # The same weighting as TfidfVectorizer(sublinear_tf=True, norm="l2").
        values = (1.0 + np.log(tf)) * self.idf[idx]
        values /= np.sqrt(values @ values)
        return idx, values

    def probabilities(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(category probabilities, kind probabilities) in the model's orders, or None."""
        vector = self.vector(text)
        if vector is None:
            return None
        idx, values = vector
        scores = values @ self.weights[idx]
        n = len(self.categories)
        return (
            _softmax(scores[:n] + self.category_bias, self.temperature),
            _softmax(scores[n:] + self.kind_bias, 1.0),
        )


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = np.exp(z - z.max())
    return np.asarray(z / z.sum())


# ---------------------------------------------------------------------------------------------
# The per-process cache

# The active model and the keyword table live in each process. classifier_train calls
# classifier_invalidate(), which makes a new model visible at once in the training process;
# other processes (web workers, Celery) compare the newest active model id at most every
# CLASSIFIER_RECHECK_SECONDS, which keeps the database off intake's per-ticket path.
CLASSIFIER_RECHECK_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class _State:
    model_id: int | None
    model: LearnedModel | None
    keyword_stamp: tuple[object, ...]
    keywords: tuple[KeywordEntry, ...]
    names: dict[str, str]  # active category code → name
    generation: int
    checked_at: float


_lock = threading.Lock()
_state: _State | None = None
_generation = 0

log = logging.getLogger(__name__)


def classifier_invalidate() -> None:
    """Make the next suggestion compare the database with the cached model and categories."""
    global _generation
    _generation += 1


def _current() -> _State:
    global _state
    state = _state
    if (
        state is not None
        and state.generation == _generation
        and time.monotonic() - state.checked_at < CLASSIFIER_RECHECK_SECONDS
    ):
        return state
    with _lock:
        generation = _generation
        newest = (
            ClassifierModel.objects.filter(is_active=True)
            .order_by("-created_at", "-id")
            .values_list("id", flat=True)
            .first()
        )
        stamp = tuple(Category.objects.aggregate(n=Count("id"), last=Max("updated_at")).values())
        old = _state
        model = old.model if old is not None and old.model_id == newest else None
        if newest is not None and model is None:
            payload = ClassifierModel.objects.values_list("payload", flat=True).get(pk=newest)
            try:
                model = LearnedModel.from_payload(bytes(payload))
            except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile):
                # A damaged row must not stop intake: the keyword baseline answers instead.
                log.exception("classifier model %s cannot be loaded", newest)
        if old is not None and old.keyword_stamp == stamp:
            keywords, names = old.keywords, old.names
        else:
            keywords = keyword_table_load()
            names = {entry.code: entry.name for entry in keywords}
        _state = _State(
            model_id=newest if model is not None else None,
            model=model,
            keyword_stamp=stamp,
            keywords=keywords,
            names=names,
            generation=generation,
            checked_at=time.monotonic(),
        )
        return _state


def loaded_model_id() -> int | None:
    """The id of the ClassifierModel that answers suggestions in this process (None: keywords)."""
    return _current().model_id


def category_names() -> dict[str, str]:
    """Active category code → name, from the same cache as the suggestions."""
    return _current().names


def model_suggest(
    model: LearnedModel, text: str, *, limit: int = 3, allowed: Container[str]
) -> list[Suggestion]:
    """The model's top categories among `allowed` codes, best first; [] if no feature is known."""
    found = model.probabilities(text)
    if found is None:
        return []
    category_p, kind_p = found
    kind = model.kinds[int(kind_p.argmax())]
    suggestions: list[Suggestion] = []
    for i in np.argsort(-category_p, kind="stable"):
        code = model.categories[i]
        # A category switched off since training must not be proposed.
        if code not in allowed:
            continue
        # Rounded up to a thousandth so a real candidate never shows as 0.
        confidence = max(math.floor(float(category_p[i]) * 1000 + 0.5) / 1000, 0.001)
        suggestions.append(Suggestion(code, kind, min(confidence, 1.0)))
        if len(suggestions) == limit:
            break
    return suggestions


def suggest(text: str, *, limit: int = 3) -> list[Suggestion]:
    """The top categories (with the likely type) for a ticket's text, best first."""
    state = _current()
    if state.model is not None:
        found = model_suggest(state.model, text, limit=limit, allowed=state.names)
        if found:
            return found
    return keyword_rank(text, state.keywords, limit=limit)
