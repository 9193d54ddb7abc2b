"""Restricted expressions and scripts: a syntax whitelist, then simpleeval; never eval/exec.

Process definitions are uploaded by catalogue editors, so whatever they write in a gateway
condition, a timer or a script task is untrusted. Expressions are checked against a whitelist
of syntax and evaluated by simpleeval; scripts may only assign expression results to plain
names. The same checks run when a process is published (``validate``) and again before every
evaluation (the checked trees are cached), so a definition that slipped past publishing still
cannot run anything else.
"""

import ast
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from simpleeval import (
    DEFAULT_OPERATORS,
    AttributeDoesNotExist,
    EvalWithCompoundTypes,
    FeatureNotAvailable,
    InvalidExpression,
    NameNotDefined,
)

from cityhall.catalog.workflow.errors import ExpressionError

SAFE_FUNCTIONS: Final[Mapping[str, Callable[..., Any]]] = {
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "any": any,
    "all": all,
    "sorted": sorted,
    # EvalWithCompoundTypes adds these itself; listing them keeps the whitelist honest.
    "list": list,
    "tuple": tuple,
    "dict": dict,
    "set": set,
}

MAX_SOURCE_LENGTH: Final = 10_000

_OPERATOR_NODES: Final = (*DEFAULT_OPERATORS, ast.And, ast.Or)
_ALLOWED_NODES: Final = (
    ast.Expression,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.Name,
    ast.Constant,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.GeneratorExp,
    ast.DictComp,
    ast.comprehension,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.Load,
    ast.Store,
    *_OPERATOR_NODES,
)
_AUG_OPERATORS: Final = (ast.Add, ast.Sub, ast.Mult)

_FORBIDDEN_LABELS: Final[Mapping[type, str]] = {
    ast.Import: "import 语句",
    ast.ImportFrom: "import 语句",
    ast.FunctionDef: "定义函数",
    ast.AsyncFunctionDef: "定义函数",
    ast.ClassDef: "定义类",
    ast.Lambda: "lambda 表达式",
    ast.For: "循环语句",
    ast.AsyncFor: "循环语句",
    ast.While: "循环语句",
    ast.With: "with 语句",
    ast.AsyncWith: "with 语句",
    ast.If: "if 语句（请改用条件表达式 a if c else b）",
    ast.Try: "try 语句",
    ast.Raise: "raise 语句",
    ast.Delete: "del 语句",
    ast.Global: "global 语句",
    ast.Nonlocal: "nonlocal 语句",
    ast.Return: "return 语句",
    ast.NamedExpr: "海象运算符 :=",
    ast.Starred: "星号展开",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.SetComp: "集合推导式",
    ast.MatMult: "矩阵乘法运算符 @",
}


@dataclass(frozen=True)
class _Assignment:
    target: str
    operator: type[ast.operator] | None
    value: ast.expr


def _describe(node: ast.AST) -> str:
    label = _FORBIDDEN_LABELS.get(type(node), f"语法 {type(node).__name__}")
    return f" {label}" if label[0].isascii() else label


def _check_expression(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"不允许使用{_describe(node)}")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"不允许使用以下划线开头的名称“{node.id}”")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"不允许访问以下划线开头的属性“{node.attr}”")
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                raise ExpressionError(f"不允许调用方法“.{node.func.attr}()”")
            if not isinstance(node.func, ast.Name):
                raise ExpressionError(f"不允许调用{_describe(node.func)}")
            if node.func.id not in SAFE_FUNCTIONS:
                allowed = ", ".join(SAFE_FUNCTIONS)
                raise ExpressionError(f"不允许调用函数“{node.func.id}”（可用函数：{allowed}）")
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            raise ExpressionError("不允许在 f 字符串中使用格式说明")


def _source(text: str | None, kind: str) -> str:
    source = textwrap.dedent(text or "").strip()
    if not source:
        raise ExpressionError(f"{kind}为空")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"{kind}过长（超过 {MAX_SOURCE_LENGTH} 个字符）")
    return source


def _syntax_error(kind: str, source: str, err: SyntaxError) -> ExpressionError:
    if source.startswith(("${", "#{")):
        return ExpressionError(f"{kind}不支持 ${{…}} 写法，请直接写表达式，如 household_size > 3")
    return ExpressionError(f"{kind}有语法错误（第 {err.lineno or 1} 行：{err.msg}）")


@lru_cache(maxsize=2048)
def compile_expression(text: str) -> ast.expr:
    """The checked syntax tree of an expression; raises ExpressionError if it is not allowed."""
    source = _source(text, "表达式")
    try:
        tree = ast.parse(source, mode="eval")
        _check_expression(tree)
    except SyntaxError as err:
        raise _syntax_error("表达式", source, err) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("表达式无法解析（嵌套过深或含有非法字符）") from None
    return tree.body


@lru_cache(maxsize=1024)
def compile_script(text: str) -> tuple[_Assignment, ...]:
    """The checked statements of a script: only ``name = expr`` and ``name += expr``."""
    source = _source(text, "脚本")
    try:
        module = ast.parse(source, mode="exec")
    except SyntaxError as err:
        raise _syntax_error("脚本", source, err) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("脚本无法解析（嵌套过深或含有非法字符）") from None
    statements = []
    for statement in module.body:
        target: ast.expr
        operator: type[ast.operator] | None
        line = f"第 {statement.lineno} 行："
        if isinstance(statement, ast.Assign):
            if len(statement.targets) != 1:
                raise ExpressionError(f"{line}一条语句只能给一个变量赋值")
            target, operator = statement.targets[0], None
        elif isinstance(statement, ast.AugAssign):
            target, operator = statement.target, type(statement.op)
            if not isinstance(statement.op, _AUG_OPERATORS):
                raise ExpressionError(f"{line}只允许 +=、-=、*= 这几种复合赋值")
        elif isinstance(statement, ast.Expr):
            try:
                _check_expression(statement.value)
            except ExpressionError as err:
                raise ExpressionError(f"{line}{err.message}") from None
            raise ExpressionError(f"{line}脚本只能由赋值语句组成（name = 表达式）")
        else:
            raise ExpressionError(f"{line}不允许使用{_describe(statement)}")
        if isinstance(target, ast.Attribute):
            raise ExpressionError(f"{line}不允许给属性赋值")
        if isinstance(target, ast.Subscript):
            raise ExpressionError(f"{line}不允许给下标赋值")
        if not isinstance(target, ast.Name):
            raise ExpressionError(f"{line}赋值目标只能是一个变量名")
        if target.id.startswith("_"):
            raise ExpressionError(f"{line}不允许使用以下划线开头的名称“{target.id}”")
        try:
            _check_expression(statement.value)
        except ExpressionError as err:
            raise ExpressionError(f"{line}{err.message}") from None
        statements.append(_Assignment(target.id, operator, statement.value))
    if not statements:
        raise ExpressionError("脚本为空")
    return tuple(statements)


def validate_expression(text: str | None) -> None:
    """Raise ExpressionError unless ``text`` is an expression the engine will evaluate."""
    compile_expression(text or "")


def validate_script(text: str | None) -> None:
    """Raise ExpressionError unless ``text`` is a script the engine will execute."""
    compile_script(text or "")


def validate(text: str | None) -> None:
    """Accept either an expression or a script, as an editor may write both in one field."""
    source = textwrap.dedent(text or "").strip()
    try:
        ast.parse(source, mode="eval")
    except SyntaxError:
        compile_script(source)
        return
    except (RecursionError, MemoryError, ValueError):
        pass
    compile_expression(source)


class _Evaluator(EvalWithCompoundTypes):
    """simpleeval, with attribute access limited to fields of dicts (``applicant.age``)."""

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            raise FeatureNotAvailable(f"不允许访问以下划线开头的属性“{node.attr}”")
        value = self._eval(node.value)
        if isinstance(value, dict):
            if node.attr in value:
                return value[node.attr]
            raise AttributeDoesNotExist(node.attr, self.expr)
        raise FeatureNotAvailable(f"只能对字典字段使用“.{node.attr}”")


def _evaluate(node: ast.expr, names: Mapping[str, Any], source: str) -> Any:
    evaluator = _Evaluator(functions=dict(SAFE_FUNCTIONS), names=names)
    try:
        return evaluator.eval(source, previously_parsed=node)
    except InvalidExpression as err:
        raise ExpressionError(_runtime_message(err)) from err


def _runtime_message(err: InvalidExpression) -> str:
    if isinstance(err, NameNotDefined):
        return f"变量“{err.name}”未定义"
    if isinstance(err, AttributeDoesNotExist):
        return f"字段“{err.attr}”不存在"
    return str(err)


def evaluate_expression(text: str, names: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression with ``names`` as its variables."""
    return _evaluate(compile_expression(text), names, text)


def execute_script(text: str, context: dict[str, Any]) -> None:
    """Run a checked script; each assignment lands in ``context`` (the task data)."""
    for statement in compile_script(text):
        value = _evaluate(statement.value, context, text)
        if statement.operator is not None:
            if statement.target not in context:
                raise ExpressionError(f"变量“{statement.target}”未定义，不能使用复合赋值")
            value = DEFAULT_OPERATORS[statement.operator](context[statement.target], value)
        context[statement.target] = value
