import io
import json
import random
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cityhall.core.errors import DomainError
from cityhall.hotline import classification, demo_corpus
from cityhall.hotline.classification import (
    LearnedModel,
    classifier_invalidate,
    keyword_suggest,
    keyword_table_load,
    loaded_model_id,
    suggest,
)
from cityhall.hotline.models import Category, Channel, ClassifierModel, Kind, Status, Ticket
from cityhall.hotline.tasks import classifier_retrain_task
from cityhall.hotline.training import (
    classifier_fit,
    classifier_train,
    holdout_split,
    live_accuracy,
    training_samples,
)

OBVIOUS = "楼下烧烤店油烟太大熏得家里没法开窗"
URL = "/api/v1/hotline/classify"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The model cache outlives a test's rolled-back rows; start and leave it empty.
    classifier_invalidate()
    yield
    classifier_invalidate()


@pytest.fixture(scope="module")
def fitted(django_db_setup, django_db_blocker):
    """One model fitted on a synthetic corpus, shared by the tests that only need a model."""
    with django_db_blocker.unblock():
        table = keyword_table_load()
    train, test = holdout_split(demo_corpus.corpus(3000, seed=11), holdout=0.2, seed=0)
    return classifier_fit(train=train, test=test, keyword_table=table)


def _activate(result) -> ClassifierModel:
    ClassifierModel.objects.update(is_active=False)
    return ClassifierModel.objects.create(
        samples=result.samples,
        accuracy=result.accuracy,
        top3_accuracy=result.top3_accuracy,
        baseline_accuracy=result.baseline_accuracy,
        type_accuracy=result.type_accuracy,
        payload=result.payload,
    )


# --- keyword baseline --------------------------------------------------------------------------


def test_keyword_baseline_ranks_by_hits(db):
    found = keyword_suggest("工地夜间施工打桩，噪音很吵")
    # HB01 has 施工, 工地, 夜间施工, 打桩 (4 hits); HB02 has 噪音, 吵 (2 hits).
    assert [s.category for s in found] == ["HB01", "HB02"]
    assert [s.confidence for s in found] == [0.667, 0.333]
    assert {s.kind for s in found} == {Kind.COMPLAINT}
    assert keyword_suggest("请问井盖归谁管")[0].kind == Kind.CONSULTATION
    assert keyword_suggest("今天天气不错") == []


def test_suggest_without_a_model_is_the_keyword_baseline(db):
    assert loaded_model_id() is None
    assert suggest("小区门口流动摊贩摆摊") == keyword_suggest("小区门口流动摊贩摆摊")


# --- synthetic corpus --------------------------------------------------------------------------


def test_corpus_is_deterministic_and_covers_every_category_and_kind(db):
    first = demo_corpus.corpus(6000, seed=1)
    assert first == demo_corpus.corpus(6000, seed=1)
    assert first != demo_corpus.corpus(6000, seed=2)
    codes = set(Category.objects.values_list("code", flat=True))
    assert len(codes) == 42
    assert {code for _text, code, _kind in first} == codes
    assert {kind for _text, _code, kind in first} == set(Kind.values)
    counts: dict[str, int] = {}
    for _text, code, _kind in first:
        counts[code] = counts.get(code, 0) + 1
    # Skewed like a real hotline: neighbourhood noise is far commoner than gas leaks.
    assert counts["HB02"] > 5 * counts["RQ01"]


def test_ticket_text_for_every_category_and_kind(db):
    rng = random.Random(0)
    for code in Category.objects.values_list("code", flat=True):
        for kind in Kind.values:
            text = demo_corpus.ticket_text(code, kind, rng)
            assert len(text) >= 5
            assert "{" not in text


def test_corpus_is_not_a_keyword_list(db):
    table = keyword_table_load()
    texts = [text for text, _code, _kind in demo_corpus.corpus(2000, seed=4)]
    without_keyword = [t for t in texts if not classification.keyword_rank(t, table)]
    # Citizens rarely use the category's own words; a good share names none of them.
    assert len(without_keyword) > 0.2 * len(texts)


# --- training ----------------------------------------------------------------------------------


def test_training_beats_the_keyword_baseline_and_stores_a_safe_payload(db):
    old = _activate_placeholder()
    model = classifier_train(samples=demo_corpus.corpus(4000, seed=3))
    assert model.samples == 4000
    assert model.accuracy > model.baseline_accuracy + 0.2
    assert model.accuracy > 0.75
    assert model.top3_accuracy >= model.accuracy
    assert 0.6 < model.type_accuracy <= 1.0
    assert list(ClassifierModel.objects.filter(is_active=True)) == [model]
    old.refresh_from_db()
    assert not old.is_active

    with np.load(io.BytesIO(bytes(model.payload)), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    assert all(a.dtype != object for a in arrays.values())
    assert len(arrays["categories"]) == 42
    assert arrays["category_coef"].shape == (len(arrays["vocabulary"]), 42)


def _activate_placeholder() -> ClassifierModel:
    return ClassifierModel.objects.create(
        samples=1,
        accuracy=0,
        top3_accuracy=0,
        baseline_accuracy=0,
        type_accuracy=0,
        payload=b"not a model",
    )


def test_training_refuses_too_few_samples(db):
    with pytest.raises(DomainError) as caught:
        classifier_train(samples=demo_corpus.corpus(150, seed=1))
    assert caught.value.code == "too_few_samples"
    assert not ClassifierModel.objects.exists()


def test_holdout_split_is_stratified():
    samples = [(f"t{i}", "A" if i % 4 else "B", "complaint") for i in range(400)] + [
        ("lonely", "C", "help")
    ]
    train, test = holdout_split(samples, holdout=0.25, seed=0)
    assert len(train) + len(test) == 401
    assert sum(1 for s in test if s[1] == "A") == 75
    assert sum(1 for s in test if s[1] == "B") == 25
    # A category seen once stays in training, where it can be learned.
    assert ("lonely", "C", "help") in train


# --- suggestions from the learned model -------------------------------------------------------


def test_suggest_uses_the_active_model(db, fitted):
    model = _activate(fitted)
    found = suggest(OBVIOUS)
    assert loaded_model_id() == model.pk
    assert found[0].category == "HB03"
    assert 1 <= len(found) <= 3
    confidences = [s.confidence for s in found]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 < c <= 1 for c in confidences)
    assert all(s.kind in Kind.values for s in found)
    assert len(suggest(OBVIOUS, limit=1)) == 1


def test_suggest_skips_categories_switched_off_since_training(db, fitted):
    _activate(fitted)
    Category.objects.filter(code="HB03").update(is_active=False, updated_at=timezone.now())
    classifier_invalidate()
    assert "HB03" not in [s.category for s in suggest(OBVIOUS)]


def test_cached_model_answers_without_queries_until_a_newer_one_is_seen(
    db, fitted, monkeypatch, django_assert_num_queries
):
    first = _activate(fitted)
    suggest(OBVIOUS)
    with django_assert_num_queries(0):
        suggest("路灯不亮")
    # Another process activates a newer model: seen at the next recheck.
    second = _activate(fitted)
    monkeypatch.setattr(classification, "CLASSIFIER_RECHECK_SECONDS", 0.0)
    assert suggest(OBVIOUS)[0].category == "HB03"
    assert loaded_model_id() == second.pk != first.pk
    # With no active model left, the keyword baseline answers again.
    ClassifierModel.objects.update(is_active=False)
    assert loaded_model_id() is None
    assert suggest(OBVIOUS) == keyword_suggest(OBVIOUS)


def test_training_in_this_process_replaces_the_cached_model_at_once(db, fitted):
    first = _activate(fitted)
    assert loaded_model_id() == first.pk
    second = classifier_train(samples=demo_corpus.corpus(1200, seed=8))
    assert loaded_model_id() == second.pk


def test_a_damaged_payload_falls_back_to_keywords(db):
    _activate_placeholder()
    assert loaded_model_id() is None
    assert suggest("小区门口流动摊贩摆摊")[0].category == "CG01"


def test_learned_model_matches_its_training_vectorizer(fitted):
    model = LearnedModel.from_payload(fitted.payload)
    assert model.probabilities("") is None
    found = model.probabilities(OBVIOUS)
    assert found is not None
    category_p, kind_p = found
    assert category_p.sum() == pytest.approx(1.0, abs=1e-5)
    assert kind_p.sum() == pytest.approx(1.0, abs=1e-5)


# --- the JSON API ------------------------------------------------------------------------------


def _post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_api_classifies(client, db, fitted):
    _activate(fitted)
    response = _post(client, {"text": OBVIOUS})
    assert response.status_code == 200
    body = response.json()
    assert 1 <= len(body) <= 3
    assert set(body[0]) == {"category", "category_name", "type", "type_name", "confidence"}
    assert body[0]["category"] == "HB03"
    assert body[0]["category_name"] == "餐饮油烟污染"
    assert body[0]["type"] == "complaint"
    assert body[0]["type_name"] == "投诉"
    assert 0 < body[0]["confidence"] <= 1


def test_api_answers_with_keywords_before_any_training(client, db):
    response = _post(client, {"text": "有流动摊贩占道摆摊"})
    assert response.status_code == 200
    assert response.json()[0]["category"] == "CG01"
    assert _post(client, {"text": "今天天气不错"}).json() == []


@pytest.mark.parametrize(
    ("text", "code"),
    [("   ", "text_required"), ("", "text_required"), ("吵" * 2001, "text_too_long")],
)
def test_api_rejects_blank_or_too_long_text(client, db, text, code):
    response = _post(client, {"text": text})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]


# --- the command and the periodic task ---------------------------------------------------------


def test_command_trains_on_synthetic_texts_and_prints_the_figures(db):
    out = io.StringIO()
    call_command("hotline_train", "--synthetic", "1500", "--seed", "2", stdout=out)
    model = ClassifierModel.objects.get(is_active=True)
    printed = out.getvalue()
    assert model.samples == 1500
    assert f"{model.accuracy * 100:.1f}%" in printed
    assert f"{model.top3_accuracy * 100:.1f}%" in printed
    assert f"{model.type_accuracy * 100:.1f}%" in printed
    assert f"{model.baseline_accuracy * 100:.1f}%" in printed
    assert "关键词基线" in printed


def test_command_refuses_too_few_samples(db):
    with pytest.raises(CommandError, match="样本不足"):
        call_command("hotline_train", stdout=io.StringIO())
    with pytest.raises(CommandError, match="样本不足"):
        call_command("hotline_train", "--synthetic", "199", stdout=io.StringIO())
    assert not ClassifierModel.objects.exists()


def test_retrain_task_skips_a_city_without_history(db):
    assert classifier_retrain_task() == {"skipped": 1.0}
    assert not ClassifierModel.objects.exists()


# --- samples from tickets and live accuracy ----------------------------------------------------


def _ticket(hc, *, status, code, suggested, days_ago=1, text="楼下油烟很大"):
    now = timezone.now()
    return Ticket.objects.create(
        kind=Kind.COMPLAINT,
        category=Category.objects.get(code=code),
        suggested_category=suggested,
        description=text,
        channel=Channel.PHONE,
        status=status,
        holder=hc.city_centre,
        received_at=now - timedelta(days=days_ago),
        deadline=now + timedelta(days=3),
    )


def test_training_samples_are_finished_tickets_with_their_final_category(hc):
    _ticket(hc, status=Status.CLOSED, code="HB03", suggested="HB04", text="油烟熏人")
    _ticket(hc, status=Status.RESOLVED, code="JT01", suggested="JT01", text="车堵门口")
    _ticket(hc, status=Status.IN_PROGRESS, code="HW01", suggested="HW01", text="垃圾没人收")
    assert sorted(training_samples()) == [
        ("油烟熏人", "HB03", Kind.COMPLAINT),
        ("车堵门口", "JT01", Kind.COMPLAINT),
    ]
    assert len(training_samples(limit=1)) == 1


def test_live_accuracy_is_the_share_of_uncorrected_suggestions(hc):
    assert live_accuracy() is None
    _ticket(hc, status=Status.CLOSED, code="HB03", suggested="HB03")
    _ticket(hc, status=Status.CLOSED, code="HB03", suggested="HB04")  # corrected
    _ticket(hc, status=Status.IN_PROGRESS, code="JT01", suggested="JT01")
    _ticket(hc, status=Status.DISPATCHED, code="HW01", suggested="HW01")
    # Still at the centre: its category may yet change, so it does not count.
    _ticket(hc, status=Status.RECEIVED, code="HW01", suggested="HW03")
    # Too old for the window.
    _ticket(hc, status=Status.CLOSED, code="HW01", suggested="HW03", days_ago=40)
    assert live_accuracy(days=30) == pytest.approx(3 / 4)
