"""The restricted engine: expressions and scripts never reach eval/exec."""

import pytest

from cityhall.catalog.workflow import (
    ExpressionError,
    ProcessError,
    WorkflowError,
    WorkflowRun,
    process_validate,
)
from cityhall.catalog.workflow.engine import ENGINE
from cityhall.catalog.workflow.expressions import (
    evaluate_expression,
    execute_script,
    validate,
    validate_expression,
    validate_script,
)
from cityhall.catalog.workflow.tests.bpmn import script_process

FORBIDDEN_SCRIPTS = {
    "import os": "import",
    "from os import path": "import",
    "__import__('os')": "__import__",
    "x = __import__('os')": "__import__",
    "x = ().__class__": "__class__",
    "x = ().__class__.__bases__[0].__subclasses__()": "__",
    "x = open('x')": "open",
    "x = eval('1')": "eval",
    "applicant.name = 'x'": "属性",
    "data['a'] = 1": "下标",
    "for i in items: total = i": "循环",
    "while True: x = 1": "循环",
    "def f(): pass": "函数",
    "with a as b: x = 1": "with",
    "x = (lambda: 1)()": "lambda",
    "_secret = 1": "下划线",
    "x = 'a'.upper()": "upper",
    "a, b = 1, 2": "变量名",
    "len(items)": "赋值",
}


@pytest.mark.parametrize(("script", "hint"), FORBIDDEN_SCRIPTS.items())
def test_forbidden_scripts_are_rejected(script: str, hint: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        validate_script(script)
    assert hint in caught.value.message
    with pytest.raises(ExpressionError):
        execute_script(script, {"items": [1], "a": 1, "applicant": {}, "data": {}})


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "().__class__", "open('x')", "x.__dict__", "getattr(x, 'y')", "x := 1"],
)
def test_forbidden_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(ExpressionError):
        validate_expression(expression)
    with pytest.raises(ExpressionError):
        evaluate_expression(expression, {"x": {}})


def test_assignments_land_in_the_data() -> None:
    data = {"a": 2, "b": 3, "items": [1, 2, 3]}
    execute_script(
        "# the sum\ntotal = a + b\n\ntotal += 10\nbig = [i for i in items if i > 1]\n", data
    )
    assert data["total"] == 15
    assert data["big"] == [2, 3]


def test_expressions_see_the_data_and_safe_functions() -> None:
    names = {"household_size": 4, "incomes": [1000, 2000], "applicant": {"age": 70}}
    assert evaluate_expression("household_size > 3", names) is True
    assert evaluate_expression("sum(incomes) / len(incomes)", names) == 1500
    assert evaluate_expression("applicant.age >= 60 and not False", names) is True
    assert evaluate_expression("max(incomes) if incomes else 0", names) == 2000


def test_undefined_names_and_non_dict_attributes_fail_clearly() -> None:
    with pytest.raises(ExpressionError, match="变量“missing”未定义"):
        evaluate_expression("missing > 1", {})
    with pytest.raises(ExpressionError, match="字典"):
        evaluate_expression("name.upper", {"name": "x"})


def test_huge_results_are_refused() -> None:
    with pytest.raises(ExpressionError):
        evaluate_expression("'x' * 10 ** 9", {})


def test_validate_takes_expressions_and_scripts() -> None:
    validate("household_size > 3")
    validate("total = a + b")
    with pytest.raises(ExpressionError, match="import"):
        validate("import os")
    with pytest.raises(ExpressionError, match="语法"):
        validate("a >")
    ENGINE.validate("x = 1")


def test_publishing_rejects_a_bad_script() -> None:
    with pytest.raises(ProcessError) as caught:
        process_validate(script_process("import os"))
    assert any("import" in problem and "(calc)" in problem for problem in caught.value.problems)


def test_a_script_that_slipped_past_publishing_does_not_run() -> None:
    # Starting validates too, and the engine checks again before each run of a script.
    with pytest.raises(ProcessError):
        WorkflowRun.start(script_process("x = open('/etc/passwd')"), {})
    task = type("T", (), {"data": {}, "task_spec": type("S", (), {"bpmn_name": "算"})()})()
    with pytest.raises(WorkflowError, match="open"):
        ENGINE.execute(task, "x = open('/etc/passwd')")
    assert task.data == {}


def test_a_script_task_computes_into_the_data() -> None:
    run = WorkflowRun.start(script_process("total = a + b\ntotal += 1"), {"a": 1, "b": 2})
    assert run.completed
    assert run.data["total"] == 4
