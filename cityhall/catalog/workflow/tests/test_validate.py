"""process_validate: every problem of a definition is named, unsafe XML is never expanded."""

from pathlib import Path

import pytest

from cityhall.catalog.workflow import (
    ProcessError,
    UserTaskInfo,
    process_bundle,
    process_standard,
    process_validate,
)
from cityhall.catalog.workflow.tests.bpmn import HEAD, TAIL, gateway_process

FIXTURES = Path(__file__).parent / "fixtures"


def problems_of(xml: str | bytes) -> list[str]:
    with pytest.raises(ProcessError) as caught:
        process_validate(xml)
    assert caught.value.code == "bpmn_invalid"
    return caught.value.problems


def test_malformed_xml() -> None:
    [problem] = problems_of(HEAD + '<bpmn:process id="p" isExecutable="true">')
    assert "XML 格式错误" in problem


def test_not_bpmn() -> None:
    [problem] = problems_of('<definitions xmlns="urn:example"/>')
    assert "definitions" in problem


def test_no_process() -> None:
    [problem] = problems_of(HEAD + TAIL)
    assert "bpmn:process" in problem


def test_no_executable_process() -> None:
    [problem] = problems_of(HEAD + '<bpmn:process id="p" isExecutable="false"/>' + TAIL)
    assert "isExecutable" in problem


def test_several_executable_processes() -> None:
    xml = HEAD + '<bpmn:process id="a" isExecutable="true"/>'
    xml += '<bpmn:process id="b" isExecutable="true"/>' + TAIL
    [problem] = problems_of(xml)
    assert "a、b" in problem


def test_user_task_outside_lanes() -> None:
    problems = problems_of(gateway_process("household_size > 3", lane=False))
    assert "用户任务“受理审查”(check)不在任何泳道中" in problems


def test_condition_with_syntax_error() -> None:
    [problem] = problems_of(gateway_process("household_size >"))
    assert "(f3)" in problem
    assert "语法错误" in problem


def test_all_problems_are_listed_together() -> None:
    xml = gateway_process("__import__('os')", lane=False).replace(
        '<bpmn:endEvent id="big" name="大户"/>',
        '<bpmn:serviceTask id="big" name="调用接口"/>',
    )
    problems = problems_of(xml)
    assert any("__import__" in p for p in problems)
    assert any("不在任何泳道中" in p for p in problems)
    assert any("服务任务" in p for p in problems)
    assert any("没有出口顺序流" in p and "(big)" in p for p in problems)


def test_no_reachable_end_event() -> None:
    xml = gateway_process("household_size > 3").replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="g"/>', ""
    )
    problems = problems_of(xml)
    assert any("无法到达任何结束事件" in p for p in problems)


def test_call_activity_to_unknown_process() -> None:
    xml = gateway_process("household_size > 3").replace(
        '<bpmn:endEvent id="big" name="大户"/>',
        '<bpmn:callActivity id="big" name="外部流程" calledElement="elsewhere"/>',
    )
    problems = problems_of(xml)
    assert any("elsewhere" in p for p in problems)


def test_timer_literal_must_be_quoted() -> None:
    xml = process_standard(
        process_id="p", name="n", lead_lane="区民政局", review_lanes=[], instant=True
    ).replace(">warn_at<", ">P3D<")
    problems = problems_of(xml)
    assert any('"P3D"' in p for p in problems)


XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<bpmn:process id="p" name="&x;" isExecutable="true"/></bpmn:definitions>'
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>\n"
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<bpmn:process id="p" name="&i;" isExecutable="true"/></bpmn:definitions>'
)


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused_not_expanded(xml: str) -> None:
    [problem] = problems_of(xml)
    assert "DOCTYPE" in problem
    assert "root:" not in problem


def test_text_with_encoding_declaration_and_bytes_are_both_accepted() -> None:
    xml = process_standard(
        process_id="p", name="n", lead_lane="区民政局", review_lanes=[], instant=True
    )
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    assert process_validate(xml) == process_validate(xml.encode("utf-8"))


def test_standard_process_definition() -> None:
    xml = process_standard(
        process_id="item_330100_001",
        name="城乡居民最低生活保障",
        lead_lane="区民政局",
        review_lanes=["市公安局", "街道办事处"],
        instant=False,
    )
    definition = process_validate(xml)
    assert definition.process_id == "item_330100_001"
    assert definition.name == "城乡居民最低生活保障"
    assert definition.lanes == ("区民政局", "市公安局", "街道办事处")
    assert definition.user_tasks == (
        UserTaskInfo("accept", "受理审查", "区民政局"),
        UserTaskInfo("review_1", "区民政局审查", "区民政局"),
        UserTaskInfo("review_2", "市公安局审查", "市公安局"),
        UserTaskInfo("review_3", "街道办事处审查", "街道办事处"),
    )
    assert len(definition.xml_sha256) == 64


def test_bundle_definition_deduplicates_lanes() -> None:
    xml = process_bundle(
        process_id="bundle_1",
        name="新生儿出生一件事",
        lead_lane="区卫生健康委",
        item_lanes=[("A01", "市公安局"), ("A02", "区医疗保障局"), ("A03", "市公安局")],
    )
    definition = process_validate(xml)
    assert definition.lanes == ("区卫生健康委", "市公安局", "区医疗保障局")
    assert [t.name for t in definition.user_tasks] == [
        "受理审查",
        "市公安局审查（A01）",
        "区医疗保障局审查（A02）",
        "市公安局审查（A03）",
    ]


def test_generator_rejects_bad_process_ids() -> None:
    with pytest.raises(ProcessError):
        process_standard(process_id="1 bad", name="n", lead_lane="x", review_lanes=[], instant=True)


def test_modeller_file_validates() -> None:
    definition = process_validate((FIXTURES / "modeller_minimum_living.bpmn").read_bytes())
    assert definition.process_id == "Process_0dibao7"
    assert definition.lanes == ("街道办事处", "区民政局", "区人力资源和社会保障局")
    assert [(t.name, t.lane) for t in definition.user_tasks] == [
        ("受理并入户调查", "街道办事处"),
        ("家庭收入核对", "区民政局"),
        ("就业状况核查", "区人力资源和社会保障局"),
    ]


def test_spiffworkflow_parser_errors_are_readable() -> None:
    # Two flows straight out of a task (an implicit split) are legal BPMN the engine refuses.
    xml = gateway_process("household_size > 3").replace(
        '<bpmn:sequenceFlow id="f4"',
        '<bpmn:sequenceFlow id="f5" sourceRef="check" targetRef="small"/>'
        '<bpmn:sequenceFlow id="f4"',
    )
    [problem] = problems_of(xml)
    assert problem.startswith("BPMN 解析错误")
    assert "(check)" in problem
    assert "网关" in problem
