#!/usr/bin/env python3
"""Times an interactive shell in a pseudo-terminal: start to first prompt, and optionally the answer to keys.

    bench/pty_time.py RUNS PROMPT [--keys KEYS --expect TEXT] -- COMMAND…

Prints one JSON object: the medians (seconds) and every sample. KEYS may hold \\t (Tab). The shell is left with
Ctrl-U and Ctrl-D after each run.
"""
import json
import os
import pty
import select
import statistics
import sys
import time


def wait_for(fd, pattern, buf):
    deadline = time.perf_counter() + 20
    while pattern not in buf:
        left = deadline - time.perf_counter()
        r, _, _ = select.select([fd], [], [], max(left, 0))
        if not r:
            raise SystemExit(f"pty_time: no {pattern!r} within 20 s; last output {buf[-300:]!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            raise SystemExit(f"pty_time: the shell ended before {pattern!r}; output {buf[-300:]!r}")
        buf += chunk
    return buf


def once(argv, prompt, keys, expect):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    start = time.perf_counter()
    buf = wait_for(fd, prompt, b"")
    ready = time.perf_counter() - start
    answer = None
    if keys:
        sent = time.perf_counter()
        os.write(fd, keys)
        wait_for(fd, expect, b"")
        answer = time.perf_counter() - sent
    os.write(fd, b"\x15\x04")
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    os.waitpid(pid, 0)
    os.close(fd)
    return ready, answer


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    opts, argv = args[:sep], args[sep + 1:]
    runs, prompt = int(opts[0]), opts[1].encode()
    keys = expect = None
    if "--keys" in opts:
        keys = opts[opts.index("--keys") + 1].replace("\\t", "\t").encode()
        expect = opts[opts.index("--expect") + 1].encode()
    samples = [once(argv, prompt, keys, expect) for _ in range(runs)]
    ready = [s[0] for s in samples]
    out = {"prompt_median": statistics.median(ready), "prompt": ready}
    if keys:
        answers = [s[1] for s in samples]
        out["answer_median"] = statistics.median(answers)
        out["answer"] = answers
    print(json.dumps(out))


main()
