"""Running a parsed command: checks made before torch loads, and errors told as one line with an exit status."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys

from advviz.cli_common import EXIT_BAD_INPUT, CommandError


EPS_OPTIONS = {"eps": "--eps", "eps_max": "--eps-max", "extent": "--extent"}


def eps_too_large(args: argparse.Namespace) -> str | None:
    """Why an ε option is beyond the pixel range (:mod:`advviz.core.eps_limits`), or None: checked before torch
    loads. The CLI's data sets are 28 × 28, your own models' images ``--input-size``; the decision map's extent is
    along sign directions (L∞)."""
    from advviz.core.eps_limits import MNIST_VALUES, largest_eps, why_largest

    norm = "L2" if getattr(args, "attack", None) == "fgm-l2" else "Linf"
    # your own models' images (--input-size) have their own count of values: an L2 ε up to √(C·H·W)
    shape = getattr(args, "input_size", None)
    values = math.prod(shape) if shape else MNIST_VALUES
    for dest, option in EPS_OPTIONS.items():
        value = getattr(args, dest, None)
        largest = max(value, default=None) if isinstance(value, list) else value
        option_norm = "Linf" if dest == "extent" else norm
        limit = largest_eps(option_norm, values)
        if largest is not None and largest > limit:
            return (f"argument {option}: must be at most {limit:g} ({why_largest(option_norm, values)}), "
                    f"got {largest:g}")
    return None


def check_architecture(args: argparse.Namespace) -> None:
    """``--architecture`` describes a weights file; given with zoo names only, it was silently ignored
    (``sweep --model mnist-cnn --architecture mlp`` ran the CNN)."""
    names = getattr(args, "models", None) or ([args.model] if getattr(args, "model", None) else [])
    if not getattr(args, "architecture", None) or not names:
        return
    from advviz.core.zoo import list_models

    shipped = {row["name"]: row["architecture"] for row in list_models()}
    if all(name in shipped for name in names):
        are = "is a zoo model" if len(names) == 1 else "are zoo models"
        known = shipped[names[0]] if len(names) == 1 else ", ".join(f"{name}: {shipped[name]}" for name in names)
        raise CommandError(f"--architecture is for a weights file, and {', '.join(names)} {are} "
                           f"(architecture {known}): leave --architecture out")


def run(args: argparse.Namespace, prog: str) -> int:
    """Run a parsed command; every error a user can cause ends as one line on stderr and an exit status."""
    from advviz.core.device import set_thread_budget
    from advviz.core.errors import AdvvizError

    if not os.environ.get("OMP_NUM_THREADS", "").strip():  # a thread count the user set is theirs to keep
        set_thread_budget()
    try:
        check_architecture(args)
        result = args.handler(args)
    except BrokenPipeError:  # the reader went away (`advviz sweep … | head -1`): what it read was enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0
    except OSError as error:  # "[Errno 2] No such file or directory: '/proc/x'" reads as Python's, not ours
        text = f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error)
        print(f"{prog}: error: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (CommandError, AdvvizError, ValueError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (MemoryError, RuntimeError) as error:  # numpy's and torch's allocators (torch's is a RuntimeError)
        if not isinstance(error, MemoryError) and not _OUT_OF_MEMORY.search(str(error)):
            raise
        print(f"{prog}: error: {_out_of_memory(error)}", file=sys.stderr)
        return EXIT_OUT_OF_MEMORY
    return int(result or 0)


EXIT_OUT_OF_MEMORY = 1
_OUT_OF_MEMORY = re.compile(r"can't allocate memory|out of memory", re.IGNORECASE)


def _out_of_memory(error: BaseException) -> str:
    """One line for a request too large for memory: how much it wanted (where the allocator says), what to ask."""
    text = str(error)
    wanted = re.search(r"allocate (\d+) bytes", text)  # torch: "… you tried to allocate 3136000000000 bytes …"
    if wanted:
        size = f"{int(wanted.group(1)) / 2**30:,.1f} GiB"
    else:
        wanted = re.search(r"allocate ([\d.]+ [KMGTP]i?B)", text)  # numpy: "Unable to allocate 74.5 GiB …"
        size = wanted.group(1) if wanted else ""
    needed = f" (it needed {size} at once)" if size else ""
    return (f"not enough memory for this request{needed}: ask for less (fewer samples, ε steps, map points "
            "or rubbish inputs)")
