"""`tinykube toolbox`: the small commands init containers are made of.

`wait-for` (waitfor.py) blocks until dependencies really serve — a TCP port, an HTTP(S) URL, a
PostgreSQL session, a Redis PING, a file, a DNS name — with one total deadline and capped
exponential back-off with full jitter (backoff.py); `fetch` (fetch.py) downloads a file with
retries, resume and sha256 verification and moves it into place atomically; `render`
(render.py) fills `${VAR}`, `${VAR:-default}` and `${file:/path}` into a template.

The package runs as a container's command, so it is standalone and light: the standard library
only, no import of the rest of tinykube (enforced in .importlinter), the protocol modules
imported only by the command that needs them. `command.py` holds the argument parsers, shared
by `tinykube toolbox …` (cli/toolbox.py) and `python -m tinykube.toolbox …`.

Exit status (errors.py): 0 done, 1 a dependency was not ready by the deadline or a download or
rendering failed, 2 usage error. Every failure ends with one line on stderr saying what and
why, which is what an init container's logs and `terminationMessage` show.
"""
