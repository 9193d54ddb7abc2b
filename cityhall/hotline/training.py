"""Training the ticket classifier: samples from finished tickets, a held-out evaluation against
the keyword baseline, and the stored model that `classification.suggest` answers with.

Fitting and evaluating are pure functions (`holdout_split`, `classifier_fit`) so benchmarks and
experiments can run them without a database; `classifier_train` adds the database around them.
"""

import io
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.optimize import minimize_scalar
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from cityhall.core.errors import DomainError
from cityhall.hotline.classification import (
    PAYLOAD_FORMAT,
    KeywordEntry,
    LearnedModel,
    classifier_invalidate,
    keyword_rank,
    keyword_table_load,
    kind_guess,
    text_features,
)
from cityhall.hotline.models import ClassifierModel, Status, Ticket

Sample = tuple[str, str, str]  # (text, category code, kind)

MIN_SAMPLES = 200
# Finished tickets: their category is final (every correction and re-dispatch is behind them).
FINISHED = (Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED)
# At the centre the category may still change, so a ticket there says nothing yet.
UNSETTLED = (Status.RECEIVED, Status.RETURNED)

# A feature must appear in two texts to be kept, which also keeps one caller's name or one odd
# typo out of the stored vocabulary; the cap bounds the payload (features × 48 float32).
MIN_DF = 2
MAX_FEATURES = 60_000
# Inverse regularisation strength; TF-IDF rows are unit length, and on held-out data C≈10
# fits the hotline's short texts better than the default 1 without overfitting.
C_CATEGORY = 10.0
C_KIND = 5.0
# The share of the training part kept aside to fit the confidence temperature.
CALIBRATION_SHARE = 0.1


def training_samples(*, limit: int | None = None) -> list[Sample]:
    """(text, final category code, kind) of finished tickets, newest first."""
    rows = (
        Ticket.objects.filter(status__in=FINISHED, category__is_active=True)
        .exclude(description="")
        .order_by("-received_at", "-id")
        .values_list("description", "category__code", "kind")
    )
    if limit is not None:
        rows = rows[:limit]
    return list(rows)


def holdout_split(
    samples: Sequence[Sample], *, holdout: float, seed: int
) -> tuple[list[Sample], list[Sample]]:
    """A stratified split: each category gives `holdout` of its samples to the test part (a
    category with a single sample stays in training)."""
    by_category: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_category[sample[1]].append(sample)
    # Reproducible, not secret: the same seed must give the same split.
    rng = random.Random(seed)  # noqa: S311
    train: list[Sample] = []
    test: list[Sample] = []
    for code in sorted(by_category):
        group = by_category[code]
        rng.shuffle(group)
        n_test = min(round(len(group) * holdout), len(group) - 1)
        test.extend(group[:n_test])
        train.extend(group[n_test:])
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


@dataclass(frozen=True, slots=True)
class FitResult:
    payload: bytes
    train_size: int
    test_size: int
    accuracy: float
    top3_accuracy: float
    baseline_accuracy: float
    type_accuracy: float
    type_baseline_accuracy: float  # kind_guess's keyword rules on the same texts

    @property
    def samples(self) -> int:
        return self.train_size + self.test_size


def _identity(features: list[str]) -> list[str]:
    return features


# A softmax head as stored: (classes, coef as features × classes, intercepts).
Head = tuple[list[str], np.ndarray, np.ndarray]


def _linear_head(clf: LogisticRegression, n_features: int) -> Head:
    """(classes, coef as features × classes, intercepts) of a fitted softmax head."""
    classes = [str(c) for c in clf.classes_]
    coef = np.asarray(clf.coef_, dtype=np.float32)
    intercept = np.asarray(clf.intercept_, dtype=np.float32)
    if len(classes) == 2:
        # scikit-learn keeps one row for two classes (a sigmoid); softmax([0, s]) is the same.
        coef = np.vstack([np.zeros((1, n_features), np.float32), coef])
        intercept = np.array([0.0, intercept[0]], dtype=np.float32)
    return classes, np.ascontiguousarray(coef.T), intercept


def _fit_head(x: csr_matrix, labels: list[str], c: float, n_features: int) -> Head:
    if len(set(labels)) == 1:
        # One class only: nothing to learn, the head always answers it.
        return [labels[0]], np.zeros((n_features, 1), np.float32), np.zeros(1, np.float32)
    clf = LogisticRegression(C=c, solver="sag", tol=1e-3, max_iter=300)
    clf.fit(x, labels)
    return _linear_head(clf, n_features)


def _temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that minimises the log-loss of held-aside logits."""

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(truth)), truth].mean())

    return float(minimize_scalar(nll, bounds=(0.2, 5.0), method="bounded").x)


def classifier_fit(
    *, train: Sequence[Sample], test: Sequence[Sample], keyword_table: tuple[KeywordEntry, ...]
) -> FitResult:
    """Fit TF-IDF + softmax heads (category, kind) on `train`; score them on `test`."""
    if len({code for _text, code, _kind in train}) < 2:
        raise DomainError(_("训练样本至少需要覆盖两个分类"), code="too_few_categories")
    # The category head's confidence temperature is fitted on a slice the head did not see.
    n_cal = int(len(train) * CALIBRATION_SHARE) if len(train) >= 1000 else 0
    fit_part, cal_part = list(train[n_cal:]), list(train[:n_cal])

    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        min_df=MIN_DF,
        max_features=MAX_FEATURES,
        dtype=np.float32,
    )
    x = vectorizer.fit_transform([text_features(text) for text, _code, _kind in fit_part])
    n_features = x.shape[1]
    categories, category_coef, category_intercept = _fit_head(
        x, [code for _text, code, _kind in fit_part], C_CATEGORY, n_features
    )
    kinds, kind_coef, kind_intercept = _fit_head(
        x, [kind for _text, _code, kind in fit_part], C_KIND, n_features
    )

    temperature = 1.0
    if cal_part:
        position = {code: i for i, code in enumerate(categories)}
        known = [s for s in cal_part if s[1] in position]
        x_cal = vectorizer.transform([text_features(text) for text, _code, _kind in known])
        logits = np.asarray(x_cal @ category_coef) + category_intercept
        temperature = _temperature(logits, np.array([position[s[1]] for s in known]))

    vocabulary = np.empty(n_features, dtype=object)
    for feature, j in vectorizer.vocabulary_.items():
        vocabulary[j] = feature
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        format=np.array([PAYLOAD_FORMAT], dtype=np.int32),
        vocabulary=vocabulary.astype(str),
        idf=vectorizer.idf_.astype(np.float32),
        categories=np.array(categories, dtype=str),
        kinds=np.array(kinds, dtype=str),
        category_coef=category_coef,
        category_intercept=category_intercept,
        kind_coef=kind_coef,
        kind_intercept=kind_intercept,
        temperature=np.array([temperature], dtype=np.float64),
    )
    payload = buffer.getvalue()

    # Scored through the same path intake uses, so the figures describe the stored model.
    model = LearnedModel.from_payload(payload)
    hits = top3 = kind_hits = baseline_hits = kind_baseline_hits = 0
    for text, code, kind in test:
        found = model.probabilities(text)
        if found is not None:
            category_p, kind_p = found
            ranked = [model.categories[i] for i in np.argsort(-category_p, kind="stable")[:3]]
            hits += ranked[0] == code
            top3 += code in ranked
            kind_hits += model.kinds[int(kind_p.argmax())] == kind
        baseline = keyword_rank(text, keyword_table, limit=1)
        # A text without any keyword hit counts as wrong: the operator gets no suggestion.
        baseline_hits += bool(baseline) and baseline[0].category == code
        kind_baseline_hits += kind_guess(text) == kind
    n = len(test) or 1
    return FitResult(
        payload=payload,
        train_size=len(train),
        test_size=len(test),
        accuracy=hits / n,
        top3_accuracy=top3 / n,
        baseline_accuracy=baseline_hits / n,
        type_accuracy=kind_hits / n,
        type_baseline_accuracy=kind_baseline_hits / n,
    )


def classifier_train(
    *, samples: Sequence[Sample], holdout: float = 0.2, seed: int = 0
) -> ClassifierModel:
    """Fit on a stratified part of `samples`, measure on the rest, and make the result the only
    active model."""
    if len(samples) < MIN_SAMPLES:
        raise DomainError(
            _("训练样本不足：需要至少 %(min)d 条，现有 %(n)d 条")
            % {"min": MIN_SAMPLES, "n": len(samples)},
            code="too_few_samples",
        )
    train, test = holdout_split(samples, holdout=holdout, seed=seed)
    result = classifier_fit(train=train, test=test, keyword_table=keyword_table_load())
    with transaction.atomic():
        ClassifierModel.objects.filter(is_active=True).update(is_active=False)
        model = ClassifierModel.objects.create(
            samples=result.samples,
            accuracy=result.accuracy,
            top3_accuracy=result.top3_accuracy,
            baseline_accuracy=result.baseline_accuracy,
            type_accuracy=result.type_accuracy,
            payload=result.payload,
            is_active=True,
        )
        transaction.on_commit(classifier_invalidate)
    # Outside an atomic block on_commit has already run; inside one, this call is harmless:
    # the next suggestion merely checks the database once more.
    classifier_invalidate()
    return model


def live_accuracy(*, days: int = 30) -> float | None:
    """Share of recent tickets whose suggestion at intake was their final category (None: no
    such tickets); its complement is how often operators had to correct the classifier."""
    since = timezone.now() - timedelta(days=days)
    counts = (
        Ticket.objects.filter(received_at__gte=since)
        .exclude(suggested_category="")
        .exclude(status__in=UNSETTLED)
        .aggregate(
            total=Count("id"),
            right=Count("id", filter=Q(suggested_category=F("category__code"))),
        )
    )
    if not counts["total"]:
        return None
    return float(counts["right"] / counts["total"])
