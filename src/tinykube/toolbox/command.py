"""The toolbox's command line: `wait-for`, `fetch` and `render`, with their options.

`add_commands(parser)` adds them under any parser — `tinykube toolbox` (cli/toolbox.py) and
`python -m tinykube.toolbox` (`main`) share it; `run(args)` executes the chosen one and turns
every ToolboxError into one `<command>: <what failed and why>` line on stderr and its exit
status. Only argparse is imported here; each command imports its module when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from tinykube.toolbox import errors

_WAIT_FOR_HELP = """\
Wait until every TARGET is ready, probing again with capped exponential back-off and full
jitter, within one total --timeout. Targets:

  tcp://HOST:PORT              a TCP connection is accepted
  http(s)://HOST[:PORT]/PATH   a GET answers 200-399 (or --http-status); redirects not followed
  postgres://USER:PASS@HOST:PORT/DB[?sslmode=disable|prefer|require]
                               PostgreSQL opens a session (trust, password, MD5, SCRAM-SHA-256;
                               the password may come from PGPASSWORD); "starting up" is not ready
  redis://[[USER]:PASS@]HOST:PORT[/DB]   AUTH, SELECT, then PING answers PONG (rediss:// for TLS)
  file:PATH                    the path exists
  dns:NAME                     the name resolves

Exit status: 0 all ready, 1 not all ready by the deadline (the last line names each target
still not ready and its last error), 2 usage error.
"""

_FETCH_HELP = """\
Download URL into DEST (a file, or a directory to keep the URL's file name) with retries on
network errors, timeouts, 408, 429 and 5xx, resuming with Range from the bytes already
received (also after a container restart: they are kept in .DEST.part). DEST appears
atomically, only once complete and, with --sha256, verified.

Exit status: 0 done, 1 failed (HTTP error, checksum mismatch, retries exhausted), 2 usage error.
"""

_RENDER_HELP = """\
Render TEMPLATE ("-": stdin) into DEST ("-": stdout), written atomically:

  ${NAME}            environment variable NAME; undefined is an error (unless --allow-missing)
  ${NAME:-default}   NAME, or default when it is unset or empty
  ${file:/path}      the content of a file, trailing newlines removed
  $$                 a literal $

Exit status: 0 done, 1 undefined variables or unreadable files (all named), 2 usage error.
"""


def add_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    formatter = argparse.RawDescriptionHelpFormatter

    wait = commands.add_parser(
        "wait-for",
        help="wait until dependencies really serve",
        description=_WAIT_FOR_HELP,
        formatter_class=formatter,
    )
    wait.add_argument("targets", nargs="+", metavar="TARGET")
    wait.add_argument("--timeout", default="60s", metavar="D", help="total deadline (default 60s)")
    wait.add_argument(
        "--attempt-timeout", default="5s", metavar="D", help="deadline of one probe (default 5s)"
    )
    wait.add_argument(
        "--max-delay", default="5s", metavar="D", help="longest pause between rounds (default 5s)"
    )
    wait.add_argument(
        "--http-status",
        metavar="CODES",
        help="comma-separated HTTP statuses that count as ready (default 200-399)",
    )
    wait.add_argument("--cacert", metavar="FILE", help="CA bundle to verify https:// targets")
    wait.add_argument("--insecure", action="store_true", help="do not verify https:// certificates")
    wait.set_defaults(toolbox_command=_wait_for)

    fetch = commands.add_parser(
        "fetch",
        help="download a file with retries, resume and checksum",
        description=_FETCH_HELP,
        formatter_class=formatter,
    )
    fetch.add_argument("url", metavar="URL")
    fetch.add_argument("dest", metavar="DEST")
    fetch.add_argument("--sha256", metavar="HEX", help="expected SHA-256 of the whole file")
    fetch.add_argument("--mode", metavar="MODE", help="file mode of DEST, in octal (e.g. 0644)")
    fetch.add_argument(
        "--retries", type=int, default=5, metavar="N", help="retries after the first attempt"
    )
    fetch.add_argument(
        "--attempt-timeout",
        default="30s",
        metavar="D",
        help="give an attempt up after D without data (default 30s)",
    )
    fetch.set_defaults(toolbox_command=_fetch)

    render = commands.add_parser(
        "render",
        help="fill a template from the environment and files",
        description=_RENDER_HELP,
        formatter_class=formatter,
    )
    render.add_argument("template", metavar="TEMPLATE")
    render.add_argument("dest", metavar="DEST")
    render.add_argument("--mode", metavar="MODE", help="file mode of DEST, in octal")
    render.add_argument(
        "--allow-missing", action="store_true", help="undefined variables become empty"
    )
    render.set_defaults(toolbox_command=_render)


def run(args: argparse.Namespace) -> int:
    """Execute the command chosen in `args`; its exit status."""
    command: Callable[[argparse.Namespace], str] | None = getattr(args, "toolbox_command", None)
    if command is None:
        print("usage: tinykube toolbox {wait-for,fetch,render} …", file=sys.stderr)
        return errors.EXIT_USAGE
    name = command.__name__.strip("_").replace("_", "-")
    try:
        summary = command(args)
    except errors.ToolboxError as exc:
        print(f"{name}: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    print(f"{name}: {summary}", file=sys.stderr, flush=True)
    return errors.EXIT_OK


def main(argv: list[str] | None = None, *, prog: str = "python -m tinykube.toolbox") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Commands for init containers.")
    add_commands(parser)
    try:
        return run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130


def _reporter(name: str) -> Callable[[str], None]:
    def report(line: str) -> None:
        print(f"{name}: {line}", file=sys.stderr, flush=True)

    return report


def _mode(text: str | None) -> int | None:
    if text is None:
        return None
    from tinykube.toolbox import files  # noqa: PLC0415

    try:
        return files.parse_mode(text)
    except ValueError:
        raise errors.UsageError(f"invalid --mode {text!r}: expected octal such as 0644") from None


def _wait_for(args: argparse.Namespace) -> str:
    from tinykube.toolbox import backoff, probes, targets, waitfor  # noqa: PLC0415

    statuses = None
    if args.http_status:
        try:
            statuses = frozenset(int(code) for code in args.http_status.split(","))
        except ValueError:
            raise errors.UsageError(
                f"invalid --http-status {args.http_status!r}: expected codes such as 200,204"
            ) from None
    http = targets.HttpOptions(statuses=statuses, ca_file=args.cacert, insecure=args.insecure)
    wanted = [targets.parse(text, http=http) for text in args.targets]
    policy = waitfor.Policy(
        timeout=backoff.parse_duration(args.timeout, option="--timeout"),
        attempt_timeout=backoff.parse_duration(args.attempt_timeout, option="--attempt-timeout"),
        max_delay=backoff.parse_duration(args.max_delay, option="--max-delay"),
    )
    waitfor.wait_for_all(
        wanted,
        policy=policy,
        check=lambda target, timeout: probes.check(target, timeout=timeout),
        report=_reporter("wait-for"),
    )
    return "all ready" if len(wanted) > 1 else f"{wanted[0].display} ready"


def _fetch(args: argparse.Namespace) -> str:
    from tinykube.toolbox import backoff, fetch  # noqa: PLC0415

    if args.retries < 0:
        raise errors.UsageError(f"invalid --retries {args.retries}: must be 0 or more")
    download = fetch.Download(
        url=args.url,
        dest=Path(args.dest),
        sha256=fetch.parse_sha256(args.sha256) if args.sha256 is not None else None,
        mode=_mode(args.mode),
        retries=args.retries,
        attempt_timeout=backoff.parse_duration(args.attempt_timeout, option="--attempt-timeout"),
    )
    return fetch.fetch(download, report=_reporter("fetch"))


def _render(args: argparse.Namespace) -> str:
    from tinykube.toolbox import render  # noqa: PLC0415

    return render.render_file(
        Path(args.template),
        args.dest,
        env=os.environ,
        strict=not args.allow_missing,
        mode=_mode(args.mode),
    )
