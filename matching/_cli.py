"""The ``bumdes-match`` command line: ``demo``, ``match``, ``normalize`` and ``region``.

Exit status 0 when done, 2 for invalid input or options (every problem on stderr as
``file:row:column: message``, nothing written), 1 for an unexpected failure.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import json
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ._config import Config
from ._demo import demo_demand, demo_supply
from ._exceptions import InputError, Problem
from ._files import write_many_atomic
from ._html_report import report_html
from ._pipeline import match
from ._plan import Plan, csv_files
from ._plan_json import plan_json_bytes
from ._products import normalize_products
from ._regions import resolve_regions
from ._taxonomy import read_products
from ._text_report import format_plan
from ._weights import Weights

__all__ = ["main"]

#: What ``normalize`` prints per text (docs/DESIGN: a stable contract).
_NORMALIZE_KEYS = ("text", "product_id", "name", "hs_code", "confidence", "alternatives")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bumdes-match",
        description="Match BUMDes supply to export demand: normalise, consolidate, score, "
                    "solve, explain.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run on the embedded demo data and print a summary")
    demo.add_argument("--out", type=Path, help="also write the plan JSON here")
    m = sub.add_parser("match", help="match a supply file to a demand file")
    m.add_argument("supply", type=Path, help="supply CSV or JSON (BUMDes offers)")
    m.add_argument("demand", type=Path, help="demand CSV or JSON (buyer requests)")
    m.add_argument("--weights", type=Path, help="JSON object of feature weights")
    m.add_argument("--config", type=Path, help="JSON object of run options")
    m.add_argument("--out", type=Path,
                   help="write the plan JSON here (default: print it to stdout)")
    m.add_argument("--workers", type=_workers, default=1, metavar="N",
                   help="processes to normalise and solve on (default 1; the plan is the "
                        "same; worth it from tens of thousands of rows)")
    for p in (demo, m):
        p.add_argument("--report", type=Path,
                       help="also write one self-contained HTML page of the plan here")
        p.add_argument("--csv", type=Path, metavar="DIR",
                       help="also write every table of the plan as CSV files in DIR")
        p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="progress bars on stderr (default: when stderr is a terminal "
                            "and tqdm is installed)")
    n = sub.add_parser("normalize", help="resolve product texts; one JSON object per line")
    n.add_argument("text", nargs="*", help="product texts")
    n.add_argument("--file", type=Path, help="a file with one product text per line")
    n.add_argument("--products", type=Path,
                   help="CSV of extra products and synonyms (the columns of products.csv)")
    r = sub.add_parser("region", help="resolve region texts to regencies; one JSON object "
                                      "per line")
    r.add_argument("text", nargs="*", help="region texts (\"Kab. Konawe\", \"Kota Kendari\")")
    r.add_argument("--file", type=Path, help="a file with one region text per line")
    return parser


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1; got {text!r}")
    return n


def _region(args: argparse.Namespace) -> int:
    texts = list(args.text)
    if args.file is not None:
        try:
            texts += [line.strip() for line in args.file.read_text("utf-8-sig").splitlines()
                      if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError([Problem(str(args.file), 0, "", f"cannot read the file: {exc}")]
                             ) from None
    if not texts:
        raise InputError([Problem("<args>", 0, "text", "give region texts or --file")])
    for record in resolve_regions(_texts(texts)).records():
        print(json.dumps(record, ensure_ascii=False))
    return 0


def _options(path: Path | None, kind: type[Weights] | type[Config]) -> Weights | Config | None:
    if path is None:
        return None
    try:
        return kind.from_json(path)
    except OSError as exc:
        raise InputError([Problem(str(path), 0, "", f"cannot read the file: {exc.strerror}")]
                         ) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(str(path), exc.lineno, "", f"not valid JSON: {exc.msg}")]
                         ) from None
    except (ValueError, TypeError) as exc:
        raise InputError([Problem(str(path), 0, "", str(exc))]) from None
    except RecursionError:
        raise InputError([Problem(str(path), 0, "", "not valid JSON: nested too deeply")]
                         ) from None


def _write(args: argparse.Namespace, plan: Plan) -> None:
    """Every output file or none: all are prepared, then written and renamed together
    (the plan JSON as it is made, a chunk at a time)."""
    files: list[tuple[Path, str | Iterable[str | bytes]]] = []
    if args.out is not None:
        files.append((args.out, itertools.chain(plan_json_bytes(plan), [b"\n"])))
    if args.report is not None:
        files.append((args.report, report_html(plan)))
    try:
        if args.csv is not None:
            args.csv.mkdir(parents=True, exist_ok=True)
            files += csv_files(plan, args.csv)
        write_many_atomic(files)
    except OSError as exc:
        name = exc.filename or (args.csv if args.csv is not None else args.out)
        raise InputError([Problem(str(name), 0, "", f"cannot write: {exc.strerror or exc}; "
                                  "no output file was written")]) from None


def _texts(texts: list[str]) -> list[str]:
    """Texts given on the command line must be valid text (bytes that are not UTF-8
    arrive as unpaired surrogates)."""
    for i, text in enumerate(texts, start=1):
        if any("\ud800" <= ch <= "\udfff" for ch in text):
            raise InputError([Problem("<args>", i, "text", "not valid UTF-8 text")])
    return texts


def _progress(asked: bool | None) -> bool:
    """Progress bars when asked, or by default when stderr is a terminal and tqdm is
    installed."""
    if asked is not None:
        return asked
    return sys.stderr.isatty() and importlib.util.find_spec("tqdm") is not None


def _run(args: argparse.Namespace) -> int:
    if args.command == "region":
        return _region(args)
    if args.command == "normalize":
        texts = list(args.text)
        if args.file is not None:
            try:
                texts += [line for line in args.file.read_text("utf-8-sig").splitlines()
                          if line.strip()]
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError([Problem(str(args.file), 0, "", f"cannot read the file: "
                                          f"{exc}")]) from None
        if not texts:
            raise InputError([Problem("<args>", 0, "text", "give product texts or --file")])
        taxonomy = read_products(args.products) if args.products is not None else None
        for m in normalize_products(_texts(texts), taxonomy=taxonomy):
            record = m.to_dict()
            print(json.dumps({key: record[key] for key in _NORMALIZE_KEYS}, ensure_ascii=False))
        return 0
    progress = _progress(args.progress)
    if args.command == "demo":
        plan = match(demo_supply(), demo_demand(), progress=progress)
    else:
        weights = _options(args.weights, Weights)
        config = _options(args.config, Config)
        assert weights is None or isinstance(weights, Weights)
        assert config is None or isinstance(config, Config)
        with contextlib.ExitStack() as stack:
            executor = None if args.workers == 1 else stack.enter_context(
                ProcessPoolExecutor(args.workers))
            plan = match(args.supply, args.demand, weights=weights, config=config,
                         progress=progress, executor=executor)
    _write(args, plan)
    if args.command == "demo" or args.out is not None:
        print(format_plan(plan))
    else:
        plan.to_json(sys.stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"bumdes-match: unexpected failure: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
