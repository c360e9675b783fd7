"""Distributed sweeps: start KerasTuner's chief and workers of one command.

KerasTuner's distributed mode runs the same script in every process; the
environment tells each its part: `KERASTUNER_ORACLE_IP` and
`KERASTUNER_ORACLE_PORT` (where the chief serves the search) and
`KERASTUNER_TUNER_ID` (`chief`, or a unique worker id). The chief hands out
trials and records their results; each worker trains one trial at a time.

One machine, a chief and two workers (one GPU each with `--gpus 0,1`):

    python -m rnn_zoo.tuning launch --workers 2 -- python recipe.py --tune

Several machines: start the chief and some workers on machine A (address
10.0.0.1), more workers elsewhere, with distinct worker ids:

    # machine A
    python -m rnn_zoo.tuning launch --workers 2 --ip 10.0.0.1 --port 8000 \\
        -- python recipe.py --tune
    # machine B
    python -m rnn_zoo.tuning launch --workers 2 --no-chief --first-worker 2 \\
        --ip 10.0.0.1 --port 8000 -- python recipe.py --tune

Every process keeps the sweep folder given to `tune`; the chief writes the
trial table and `best.json` into its own. Hyperband trains some trials on
from an earlier trial's checkpoint: across machines, give it a folder on a
shared disk.
"""

import argparse
import os
import socket
import subprocess
import sys
import time


def free_port(ip="127.0.0.1"):
    """A TCP port free on `ip` right now."""
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def launch(command, *, num_workers, ip="127.0.0.1", port=None, chief=True,
           first_worker=0, gpus=None, log_dir=None, env=None, timeout=None):
    """Runs `command` as KerasTuner's chief and `num_workers` workers.

    Waits for every process. When one fails (or `timeout` passes), the
    others are stopped: a chief waits forever for a trial whose worker died,
    and workers wait for a chief that is gone.

    Args:
        command: list of str. The program, the same for every process
            (`["python", "recipe.py", "--tune"]`).
        num_workers: int. Workers to start here.
        ip: str. The chief's address. Defaults to `"127.0.0.1"`.
        port: int. The chief's port; a free one when None and `chief`.
        chief: bool. Start the chief here too. Defaults to True.
        first_worker: int. Worker ids are `tuner{first_worker}`,
            `tuner{first_worker + 1}`, ...; unique across machines.
        gpus: optional list of GPU ids; worker `i` sees `gpus[i % len(gpus)]`
            alone and the chief sees none (it trains nothing).
        log_dir: optional folder; each process writes `<tuner id>.log` there
            (stdout and stderr), else they print to this terminal.
        env: optional dict of more environment variables.
        timeout: optional seconds before everything is stopped.

    Returns:
        A dict of tuner id -> exit code (`None`: stopped by `launch`).

    Raises:
        ValueError: if there are no processes to start, or no `port` is
            given for workers of a chief elsewhere.
    """
    if num_workers < 0 or (num_workers == 0 and not chief):
        raise ValueError(
            "Nothing to start: `num_workers` must be >= 1, or >= 0 with the "
            f"chief. Received: num_workers={num_workers!r}, chief={chief!r}"
        )
    if port is None:
        if not chief:
            raise ValueError(
                "Workers of a chief on another machine need its `port`. "
                "Received: port=None, chief=False"
            )
        port = free_port(ip)
    roles = (["chief"] if chief else []) + [
        f"tuner{first_worker + i}" for i in range(num_workers)]
    if log_dir:
        os.makedirs(log_dir, exist_ok=True)
    processes, logs = {}, []
    try:
        for i, tuner_id in enumerate(roles):
            process_env = dict(os.environ, **(env or {}))
            process_env.update(KERASTUNER_TUNER_ID=tuner_id, KERASTUNER_ORACLE_IP=ip,
                               KERASTUNER_ORACLE_PORT=str(port))
            if gpus is not None:
                worker = i - (1 if chief else 0)
                process_env["CUDA_VISIBLE_DEVICES"] = (
                    "" if tuner_id == "chief" else str(gpus[worker % len(gpus)]))
            out = None
            if log_dir:
                out = open(os.path.join(log_dir, f"{tuner_id}.log"), "w")
                logs.append(out)
            processes[tuner_id] = subprocess.Popen(
                command, env=process_env, stdout=out, stderr=subprocess.STDOUT if out else None)
        deadline = None if timeout is None else time.monotonic() + timeout
        codes = {}
        while len(codes) < len(processes):
            for tuner_id, process in processes.items():
                if tuner_id not in codes and process.poll() is not None:
                    codes[tuner_id] = process.returncode
            if any(codes.values()) or (deadline and time.monotonic() > deadline):
                break
            time.sleep(0.2)
        return {tuner_id: codes.get(tuner_id) for tuner_id in processes}
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for out in logs:
            out.close()


def main(argv=None):
    """`python -m rnn_zoo.tuning launch [options] -- command ...`"""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_zoo.tuning launch",
        description="Run a command as KerasTuner's chief and workers.",
    )
    parser.add_argument("--workers", type=int, required=True, help="workers to start here")
    parser.add_argument("--ip", default="127.0.0.1", help="the chief's address")
    parser.add_argument("--port", type=int, default=None,
                        help="the chief's port (default: a free one)")
    parser.add_argument("--no-chief", action="store_true",
                        help="start workers only, for a chief elsewhere")
    parser.add_argument("--first-worker", type=int, default=0,
                        help="number of the first worker id (tuner<N>)")
    parser.add_argument("--gpus", default=None,
                        help="comma-separated GPU ids shared out among the workers")
    parser.add_argument("--log-dir", default=None,
                        help="write each process's output to <log-dir>/<id>.log")
    parser.add_argument("--timeout", type=float, default=None, help="seconds")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- then the command every process runs")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after `--`")
    gpus = args.gpus.split(",") if args.gpus else None
    codes = launch(command, num_workers=args.workers, ip=args.ip, port=args.port,
                   chief=not args.no_chief, first_worker=args.first_worker, gpus=gpus,
                   log_dir=args.log_dir, timeout=args.timeout)
    for tuner_id, code in codes.items():
        print(f"{tuner_id}: {'stopped' if code is None else f'exit code {code}'}")
    return 0 if all(code == 0 for code in codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
