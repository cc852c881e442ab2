"""A calculator tool that is safe to hand to a model.

The expression is parsed with `ast.parse(mode="eval")` and the tree is walked by
hand. Only numbers, the operators + - * / // % ** (unary + and - too),
parentheses, the constants `pi` and `e` and a short list of math functions are
understood; every other kind of node (names, attributes, calls to anything
else, subscripts, strings, lambdas, comprehensions, comparisons...) is refused.
Nothing the model writes is ever given to `eval`, `exec` or `compile`.

Limits, all checked *before* the work is done:

- input longer than `MAX_INPUT_CHARS` characters is refused;
- nesting deeper than `MAX_DEPTH` levels is refused;
- an integer result may have at most `MAX_DIGITS` digits, and `**` refuses
  exponents whose result would be bigger than that (so `9**9**9` costs nothing);
  `*` compares the sizes of its operands first;
- `round(x, n)` refuses n beyond `MAX_DIGITS` places either way (Python would
  compute 10**-n for a negative n, so `round(1, -10**9)` would never end);
- float results must be finite.

Friendly input: `×` and `·` mean `*`, `÷` means `/`, `−` (the Unicode minus)
means `-`, and `^` means power (as on a pocket calculator, not XOR). Thousands
separators are *not* accepted, because `1,234` would be ambiguous next to
`max(1,234)`; the error message tells the model to write `1234` instead.
Python's own `1_234` works.
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from collections.abc import Callable

Number = int | float

MAX_INPUT_CHARS = 500
MAX_DEPTH = 50
MAX_DIGITS = 1000
_MAX_BITS = int(MAX_DIGITS * math.log2(10)) + 1

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

FUNCTIONS: dict[str, Callable[..., Number]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "floor": math.floor,
    "ceil": math.ceil,
}

_SYMBOLS = {"×": "*", "·": "*", "÷": "/", "−": "-", "^": "**"}

_BINARY: dict[type, Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

_SUPPORTED = "numbers, + - * / // % ** ( ) and " + ", ".join(FUNCTIONS) + ", pi, e"


class CalculatorError(ValueError):
    """An expression the calculator refuses; the message is meant for the model."""


def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression and return the number as text.
    It knows + - * / // % ** (or ^ for power), parentheses, pi, e and the functions
    sqrt, abs, round, min, max, log, log10, exp, sin, cos, tan (radians), floor, ceil.
    Example: calculator("2 * (3 + 4) ** 2") returns "98".

    Args:
        expression: The arithmetic to do, for example "sqrt(16) + 2^10". Write numbers
            without thousands separators (1234, not 1,234).

    Errors (unknown names, division by zero, results over 1000 digits...) come back
    as a one-line string starting with "Error:"; this function never raises.
    """
    try:
        return format_number(evaluate(expression))
    except CalculatorError as error:
        return f"Error: {error}"


def evaluate(expression: str) -> Number:
    """Evaluate `expression` and return an int or float, or raise `CalculatorError`."""
    if not isinstance(expression, str):
        raise CalculatorError("the expression must be text, for example '2 + 2'.")
    if len(expression) > MAX_INPUT_CHARS:
        raise CalculatorError(
            f"the expression is {len(expression)} characters long; the limit is "
            f"{MAX_INPUT_CHARS}. Split the work into smaller steps."
        )
    text = normalise(expression)
    if not text:
        raise CalculatorError("the expression is empty. Example: '2 * (3 + 4)'.")
    if _bracket_depth(text) > MAX_DEPTH:
        raise _too_deep()
    try:
        with warnings.catch_warnings():  # e.g. "invalid escape sequence" in model-written text
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError):
        raise CalculatorError(
            f"could not read {expression.strip()!r} as arithmetic. Use {_SUPPORTED}."
        ) from None
    except (RecursionError, MemoryError):
        raise _too_deep() from None
    return _eval(tree.body, depth=0)


def normalise(expression: str) -> str:
    """Replace the friendly symbols (×, ÷, −, ^) with Python operators and trim spaces."""
    text = expression.strip()
    for symbol, replacement in _SYMBOLS.items():
        text = text.replace(symbol, replacement)
    return text


def format_number(value: Number) -> str:
    """Show integers without '.0' and floats with up to 12 significant digits."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.12g}"


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _eval(node: ast.AST, depth: int) -> Number:
    if depth > MAX_DEPTH:
        raise _too_deep()
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _eval(node.operand, depth + 1)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _eval(node.left, depth + 1)
        right = _eval(node.right, depth + 1)
        return _binary(node.op, left, right)
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise CalculatorError(f"unknown name {node.id!r}. The calculator knows {_SUPPORTED}.")
    if isinstance(node, ast.Call):
        return _call(node, depth)
    if isinstance(node, ast.Tuple):
        raise CalculatorError(
            "commas only separate function arguments, as in max(3, 4). "
            "Write numbers without thousands separators: 1234, not 1,234."
        )
    raise CalculatorError(f"{_describe(node)} is not allowed. The calculator knows {_SUPPORTED}.")


def _number(value: object) -> Number:
    # bool is a subclass of int, so rule it out first
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "text" if isinstance(value, (str, bytes)) else type(value).__name__
        raise CalculatorError(f"{kind} is not allowed; only plain numbers are.")
    return _checked(value)


def _binary(op: ast.operator, left: Number, right: Number) -> Number:
    if isinstance(op, ast.Pow):
        _check_power(left, right)
    if isinstance(op, ast.Mult) and isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > _MAX_BITS + 1:
            raise _too_big()
    try:
        result = _BINARY[type(op)](left, right)
    except ZeroDivisionError:
        raise CalculatorError("division by zero.") from None
    except OverflowError:
        raise _too_big() from None
    if isinstance(result, complex):
        raise CalculatorError("the result is not a real number (for example (-8) ** 0.5).")
    return _checked(result)


def _check_power(base: Number, exponent: Number) -> None:
    """Refuse a power whose result would be too big, without computing it."""
    if base == 0 and exponent < 0:
        raise CalculatorError("division by zero (0 to a negative power).")
    if abs(base) <= 1 or exponent <= 0:
        return
    try:
        digits = exponent * math.log10(abs(base))
    except OverflowError:
        raise _too_big() from None
    if digits > MAX_DIGITS:
        raise _too_big()


def _call(node: ast.Call, depth: int) -> Number:
    if not isinstance(node.func, ast.Name):
        raise CalculatorError(f"{_describe(node.func)} is not allowed; call functions by name.")
    name = node.func.id
    if name not in FUNCTIONS:
        raise CalculatorError(f"unknown function {name!r}. Known: {', '.join(FUNCTIONS)}.")
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise CalculatorError(f"{name}() takes plain numbers only, like {name}(2).")
    args = [_eval(arg, depth + 1) for arg in node.args]
    if name == "round" and len(args) == 2:
        _check_round_places(args[1])
    try:
        result = FUNCTIONS[name](*args)
    except TypeError:
        raise CalculatorError(f"wrong number of arguments for {name}().") from None
    except (ValueError, ZeroDivisionError):
        raise CalculatorError(f"{name}() is not defined for this input.") from None
    except OverflowError:
        raise _too_big() from None
    return _checked(result)


def _check_round_places(places: Number) -> None:
    """Refuse round(x, n) for an n that would cost a huge power of ten to honour.

    Python rounds an integer to n < 0 places by computing 10 ** -n, so
    round(1, -10**9) would run for ages; no number here has more than MAX_DIGITS digits,
    so larger n can never matter.
    """
    if not isinstance(places, int):
        raise CalculatorError("round(x, n) needs a whole number n of decimal places.")
    if abs(places) > MAX_DIGITS:
        size = str(places) if abs(places) < 10**12 else f"a {len(str(abs(places)))}-digit number"
        raise CalculatorError(
            f"round(x, n) needs n between -{MAX_DIGITS} and {MAX_DIGITS}, not {size}."
        )


def _checked(value: Number) -> Number:
    # the cheap bit count rules out huge numbers before str() has to look at them
    if isinstance(value, int) and (
        value.bit_length() > _MAX_BITS or len(str(abs(value))) > MAX_DIGITS
    ):
        raise _too_big()
    if isinstance(value, float) and math.isnan(value):
        raise CalculatorError("the result is not a number.")
    if isinstance(value, float) and math.isinf(value):
        raise _too_big()
    return value


def _too_deep() -> CalculatorError:
    return CalculatorError(f"the expression is nested more than {MAX_DEPTH} levels deep.")


def _too_big() -> CalculatorError:
    return CalculatorError(f"the result is too large (the limit is {MAX_DIGITS} digits).")


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access (a.b)",
        ast.Subscript: "indexing (a[b])",
        ast.Lambda: "lambda",
        ast.Compare: "comparison",
        ast.BoolOp: "and/or",
        ast.List: "a list",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.JoinedStr: "text",
    }
    return names.get(type(node), type(node).__name__)
