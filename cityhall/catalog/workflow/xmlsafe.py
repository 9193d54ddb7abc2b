"""Reading uploaded BPMN documents without letting the XML parser do anything dangerous.

SpiffWorkflow parses strings with lxml's default parser, which expands internal entities. We
never give it text: the document is parsed here with entity resolution, DTD loading and network
access switched off, any DOCTYPE is refused outright (BPMN has no use for one), and
SpiffWorkflow receives the already parsed tree.
"""

import re
from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from cityhall.catalog.workflow.errors import ProcessError

BPMN_NS: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS: Final = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS: Final = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS: Final = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP: Final = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS}

MAX_XML_BYTES: Final = 5 * 1024 * 1024

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _doctype_refused() -> ProcessError:
    return ProcessError(
        "流程文件含有 DOCTYPE 声明",
        problems=["流程文件不允许包含 DOCTYPE/实体声明（出于安全考虑，实体不会被展开）"],
    )


def bpmn(tag: str) -> str:
    """The qualified (Clark notation) name of a BPMN model element."""
    return f"{{{BPMN_NS}}}{tag}"


def xml_bytes(xml: str | bytes) -> bytes:
    """The document as stored: text is hashed and kept as UTF-8."""
    return xml.encode("utf-8") if isinstance(xml, str) else xml


def _parseable(xml: str | bytes) -> bytes:
    if isinstance(xml, bytes):
        return xml
    # lxml refuses str input that carries an encoding declaration, and once decoded the
    # declared encoding is meaningless, so drop it and hand over UTF-8.
    return _DECLARATION.sub("", xml, count=1).encode("utf-8")


def xml_parse(xml: str | bytes) -> etree._Element:
    """The root element of a BPMN 2.0 document; ProcessError if it is not one or is unsafe."""
    data = _parseable(xml)
    if len(data) > MAX_XML_BYTES:
        raise ProcessError(
            "流程文件过大",
            problems=[f"流程文件超过 {MAX_XML_BYTES // (1024 * 1024)} MB 上限"],
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as err:
        if _DOCTYPE.search(data):
            raise _doctype_refused() from None
        line = f"第 {err.lineno} 行：" if err.lineno else ""
        raise ProcessError(
            "流程文件不是格式正确的 XML", problems=[f"XML 格式错误（{line}{err.msg}）"]
        ) from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_refused()
    root = tree.getroot()
    if root.tag != bpmn("definitions"):
        raise ProcessError(
            "流程文件不是 BPMN 2.0 文档",
            problems=[
                f"根元素应为命名空间 {BPMN_NS} 中的 definitions，实际为“{root.tag}”",
            ],
        )
    return root
