"""WorkflowRun over the generated shapes and a modeller's file: lanes, branches, state, timers."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cityhall.catalog.workflow import (
    WARNING_NAME,
    WorkflowError,
    WorkflowRun,
    process_bundle,
    process_standard,
)
from cityhall.catalog.workflow.tests.bpmn import gateway_process

FUTURE = "2999-11-25T09:00:00+08:00"
PAST = "2000-11-25T09:00:00+08:00"
FIXTURES = Path(__file__).parent / "fixtures"


def standard(review_lanes: list[str], *, instant: bool = False) -> str:
    return process_standard(
        process_id="item_t",
        name="测试事项",
        lead_lane="区民政局",
        review_lanes=review_lanes,
        instant=instant,
    )


def approve(spec_id: str) -> dict[str, Any]:
    return {"rejected": False, "reason": "", f"opinion_{spec_id}": "approve"}


def finish(run: WorkflowRun, decide: Callable[[str], dict[str, Any]], *, reverse: bool) -> None:
    """Complete ready tasks until none is left, newest branch first when ``reverse``."""
    while ready := run.ready_user_tasks():
        task = ready[-1] if reverse else ready[0]
        run.complete(task.id, decide(task.spec_id))


def lanes_of(run: WorkflowRun) -> list[tuple[str, str | None]]:
    return [(t.spec_id, t.lane) for t in run.ready_user_tasks()]


@pytest.mark.parametrize("reverse", [False, True])
def test_standard_without_review_lanes(reverse: bool) -> None:
    run = WorkflowRun.start(standard([]), {"warn_at": FUTURE, "applicant": "张三"})
    assert lanes_of(run) == [("accept", "区民政局")]
    run.complete(run.ready_user_tasks()[0].id, approve("accept"))
    assert lanes_of(run) == [("review_1", "区民政局")]
    finish(run, approve, reverse=reverse)
    assert run.completed
    assert run.end_event == "end_approved"
    assert run.data["issued"] is True
    assert run.data["applicant"] == "张三"
    assert run.data["opinion_review_1"] == "approve"


@pytest.mark.parametrize("reverse", [False, True])
def test_standard_with_two_review_lanes_in_either_order(reverse: bool) -> None:
    run = WorkflowRun.start(standard(["市公安局", "街道办事处"]), {"warn_at": FUTURE})
    run.complete(run.ready_user_tasks()[0].id, approve("accept"))
    assert sorted(lanes_of(run)) == [
        ("review_1", "区民政局"),
        ("review_2", "市公安局"),
        ("review_3", "街道办事处"),
    ]
    finish(run, approve, reverse=reverse)
    assert run.end_event == "end_approved"
    data = run.data
    assert data["issued"] is True
    assert {data[f"opinion_review_{n}"] for n in (1, 2, 3)} == {"approve"}


def test_instant() -> None:
    run = WorkflowRun.start(standard(["市公安局"], instant=True), {"warn_at": FUTURE})
    assert lanes_of(run) == [("decide", "区民政局")]
    assert [t.name for t in run.ready_user_tasks()] == ["即审即办"]
    run.complete(run.ready_user_tasks()[0].id, approve("decide"))
    assert run.completed
    assert run.end_event == "end_approved"
    assert run.data["issued"] is True


def test_instant_rejected() -> None:
    run = WorkflowRun.start(standard([], instant=True), {"warn_at": FUTURE})
    run.complete(run.ready_user_tasks()[0].id, {"rejected": True, "reason": "材料不全"})
    assert run.end_event == "end_rejected"
    assert "issued" not in run.data


@pytest.mark.parametrize("reverse", [False, True])
def test_bundle(reverse: bool) -> None:
    xml = process_bundle(
        process_id="bundle_t",
        name="出生一件事",
        lead_lane="区卫生健康委",
        item_lanes=[("A01", "市公安局"), ("A02", "区医疗保障局"), ("A03", "市公安局")],
    )
    run = WorkflowRun.start(xml, {"warn_at": FUTURE})
    assert lanes_of(run) == [("accept", "区卫生健康委")]
    run.complete(run.ready_user_tasks()[0].id, approve("accept"))
    assert sorted(lanes_of(run)) == [
        ("review_1", "市公安局"),
        ("review_2", "区医疗保障局"),
        ("review_3", "市公安局"),
    ]
    assert "市公安局审查（A03）" in [t.name for t in run.ready_user_tasks()]
    finish(run, approve, reverse=reverse)
    assert run.end_event == "end_approved"
    assert run.data["issued"] is True


def test_not_accepted() -> None:
    run = WorkflowRun.start(standard(["市公安局"]), {"warn_at": FUTURE})
    run.complete(run.ready_user_tasks()[0].id, {"rejected": True, "reason": "不属于受理范围"})
    assert run.completed
    assert run.end_event == "end_not_accepted"
    assert run.data["reason"] == "不属于受理范围"
    assert run.ready_user_tasks() == []


@pytest.mark.parametrize("rejecter", [0, 1])
@pytest.mark.parametrize("reverse", [False, True])
def test_rejected_at_review_whoever_finishes_last(rejecter: int, reverse: bool) -> None:
    run = WorkflowRun.start(standard(["市公安局"]), {"warn_at": FUTURE})
    run.complete(run.ready_user_tasks()[0].id, approve("accept"))
    reviews = run.ready_user_tasks()
    rejecting = reviews[rejecter]
    for task in reversed(reviews) if reverse else reviews:
        if task == rejecting:
            run.complete(task.id, {"rejected": True, "reason": "户籍不符"})
        else:
            run.complete(task.id, approve(task.spec_id))
    assert run.end_event == "end_rejected"
    assert run.data["rejected"] is True
    assert "issued" not in run.data


def test_rejected_at_single_review() -> None:
    run = WorkflowRun.start(standard([]), {"warn_at": FUTURE})
    run.complete(run.ready_user_tasks()[0].id, approve("accept"))
    run.complete(run.ready_user_tasks()[0].id, {"rejected": True, "reason": "不符合条件"})
    assert run.end_event == "end_rejected"


def test_round_trip_in_the_middle_of_parallel_review() -> None:
    run = WorkflowRun.start(standard(["市公安局", "街道办事处"]), {"warn_at": FUTURE})
    run.complete(run.ready_user_tasks()[0].id, approve("accept"))
    first = run.ready_user_tasks()[1]
    run.complete(first.id, approve(first.spec_id))

    restored = WorkflowRun.loads(run.dumps())
    assert restored.ready_user_tasks() == run.ready_user_tasks()
    assert restored.data[f"opinion_{first.spec_id}"] == "approve"
    finish(restored, approve, reverse=False)
    assert restored.end_event == "end_approved"
    assert restored.data["issued"] is True


def test_completing_something_that_is_not_ready() -> None:
    run = WorkflowRun.start(standard([]), {"warn_at": FUTURE})
    accept = run.ready_user_tasks()[0]
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(WorkflowError) as caught:
            run.complete(bad, {})
        assert caught.value.code == "task_not_ready"
    run.complete(accept.id, approve("accept"))
    with pytest.raises(WorkflowError):
        run.complete(accept.id, approve("accept"))


def test_cancel() -> None:
    run = WorkflowRun.start(standard([]), {"warn_at": FUTURE})
    run.cancel()
    assert run.cancelled
    assert not run.completed
    assert run.end_event is None
    restored = WorkflowRun.loads(run.dumps())
    assert restored.cancelled
    assert restored.ready_user_tasks() == []


def test_missing_condition_variable_is_a_clear_error() -> None:
    run = WorkflowRun.start(standard([], instant=True), {"warn_at": FUTURE})
    with pytest.raises(WorkflowError, match="rejected"):
        run.complete(run.ready_user_tasks()[0].id, {})


@pytest.mark.parametrize(("size", "end"), [(4, "big"), (3, "small")])
def test_condition_on_form_data(size: int, end: str) -> None:
    run = WorkflowRun.start(gateway_process("household_size > 3"), {"household_size": size})
    run.complete(run.ready_user_tasks()[0].id, {})
    assert run.end_event == end


def test_past_warning_fires_once_and_the_task_stays_ready() -> None:
    run = WorkflowRun.start(standard([]), {"warn_at": PAST})
    assert run.refresh() == [WARNING_NAME]
    assert run.refresh() == []
    assert lanes_of(run) == [("accept", "区民政局")]
    run = WorkflowRun.loads(run.dumps())
    assert run.refresh() == []
    run.complete(run.ready_user_tasks()[0].id, approve("accept"))
    assert run.refresh() == [WARNING_NAME]
    finish(run, approve, reverse=False)
    # The warning ends are not the end of the process.
    assert run.end_event == "end_approved"


def test_future_warning_does_not_fire_until_its_time() -> None:
    run = WorkflowRun.start(standard(["市公安局"]), {"warn_at": FUTURE})
    assert run.refresh() == []
    due = datetime.fromisoformat(FUTURE)
    assert run.refresh(due - timedelta(minutes=1)) == []
    assert run.refresh(due + timedelta(minutes=1)) == [WARNING_NAME]
    assert run.refresh(due + timedelta(days=1)) == []
    assert lanes_of(run) == [("accept", "区民政局")]


def test_refresh_needs_an_aware_time() -> None:
    run = WorkflowRun.start(standard([]), {"warn_at": FUTURE})
    with pytest.raises(ValueError, match="timezone"):
        run.refresh(datetime(2030, 1, 1))  # noqa: DTZ001
    assert run.refresh(datetime(2030, 1, 1, tzinfo=UTC)) == []


@pytest.mark.parametrize(("income", "end"), [(3000, "Event_1h6j4ka"), (6000, "Event_0n5r8lb")])
def test_modeller_process_runs_both_ways(income: int, end: str) -> None:
    xml = (FIXTURES / "modeller_minimum_living.bpmn").read_text(encoding="utf-8")
    run = WorkflowRun.start(xml, {"household_size": 3, "household_monthly_income": income})
    assert lanes_of(run) == [("Activity_0x1y2z3", "街道办事处")]
    run.complete(run.ready_user_tasks()[0].id, {"opinion_Activity_0x1y2z3": "入户属实"})
    assert sorted(lanes_of(run)) == [
        ("Activity_0q9r2tw", "区人力资源和社会保障局"),
        ("Activity_1m4c8hv", "区民政局"),
    ]
    run = WorkflowRun.loads(run.dumps())
    finish(run, lambda spec_id: {f"opinion_{spec_id}": "属实"}, reverse=income > 5000)
    assert run.completed
    assert run.end_event == end
    assert run.data["monthly_income_per_person"] == income / 3


def test_missing_warn_at_is_named() -> None:
    with pytest.raises(WorkflowError, match="warn_at"):
        WorkflowRun.start(standard([]), {})


@pytest.mark.parametrize("warn_at", [None, "tomorrow", 42])
def test_a_bad_warn_at_is_explained(warn_at: object) -> None:
    with pytest.raises(WorkflowError, match="ISO 8601"):
        WorkflowRun.start(standard([]), {"warn_at": warn_at})


def test_warn_at_may_be_a_datetime() -> None:
    run = WorkflowRun.start(standard([]), {"warn_at": datetime(2000, 1, 1, tzinfo=UTC)})
    run = WorkflowRun.loads(run.dumps())
    assert run.refresh() == [WARNING_NAME]
    assert run.data["warn_at"] == datetime(2000, 1, 1, tzinfo=UTC)


def test_loads_rejects_garbage() -> None:
    with pytest.raises(WorkflowError):
        WorkflowRun.loads("{not json")
