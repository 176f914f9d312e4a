#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# Helpers of compare_training.sh: run a training command with every output line time-stamped (the same clock for
# mace-torch and SwiftMACE), and read both runs back into one table of test errors and times.
"""Usage:
  compare_training.py run LOG -- COMMAND...   run COMMAND, echo its output, write LOG with '<unix time> <line>'
                                              lines plus '# start'/'# exit' lines; exits with COMMAND's status
  compare_training.py report DIR              read DIR/mace/stdout.log and DIR/swiftmace/stdout.log, print the table

Times, identical for both tools (all from LOG's clock):
  total        process start to exit: reading data, statistics, every epoch, checkpoints, final evaluation of
               train/valid/test, model files
  epoch k ≥ 1  time between the progress lines of epoch k-1 and k (training + validation + checkpoint writing)
  epoch 0      mace: from its 'Initial' validation line; SwiftMACE prints nothing before epoch 0, so its own
               'time=' of epoch 0 (training + validation, no checkpoint) is used
  per epoch    the mean over epochs ≥ 1 when there are two or more (steady state), else epoch 0
Errors: the last error table each tool prints (the stage-two model when stage two ran), test row:
  mace 'Error-table on TEST', SwiftMACE the row of the test file in 'Error-table on TRAIN, VALID and TEST'.
"""

import os
import re
import shlex
import subprocess
import sys
import time

EPOCH = re.compile(r"Epoch (\d+)(?:/\d+)?: ")
SWIFT_EPOCH_TIME = re.compile(r"time=([0-9.]+) s")


def run(log_path, command):
    os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        log.write(f"# start {time.time():.6f} {shlex.join(command)!r}\n")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        for line in process.stdout:
            now = time.time()
            sys.stdout.write(line)
            sys.stdout.flush()
            log.write(f"{now:.6f} {line.rstrip(chr(10))}\n")
            log.flush()
        status = process.wait()
        log.write(f"# exit {time.time():.6f} {status}\n")
    return status


def read_log(path):
    start = end = None
    status = None
    lines = []
    with open(path, encoding="utf-8") as log:
        for raw in log:
            raw = raw.rstrip("\n")
            if raw.startswith("# start "):
                start = float(raw.split()[2])
            elif raw.startswith("# exit "):
                end, status = float(raw.split()[2]), int(raw.split()[3])
            else:
                stamp, _, text = raw.partition(" ")
                lines.append((float(stamp), text))
    return start, end, status, lines


def last_table(lines, heading):
    """Rows (dicts by column name) of the last prettytable printed after a line containing `heading`."""
    rows = None
    for i, (_, text) in enumerate(lines):
        if heading not in text:
            continue
        header, body = None, []
        for _, row in lines[i + 1:]:
            if row.startswith("+"):
                continue
            if not row.startswith("|"):
                break
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            if header is None:
                header = cells
            else:
                body.append(dict(zip(header, cells)))
        rows = body
    return rows or []


def summary(directory, tool):
    log_path = os.path.join(directory, tool, "stdout.log")
    if not os.path.exists(log_path):
        return None
    start, end, status, lines = read_log(log_path)
    epochs = {}
    initial = None
    for stamp, text in lines:
        if "Initial: head:" in text:
            initial = stamp
        match = EPOCH.search(text)
        if match and ("loss=" in text):
            epochs[int(match.group(1))] = (stamp, text)
    times = {}
    for epoch in sorted(epochs):
        stamp, text = epochs[epoch]
        if epoch - 1 in epochs:
            times[epoch] = stamp - epochs[epoch - 1][0]
        elif epoch == 0 and initial is not None:
            times[epoch] = stamp - initial
        elif epoch == 0 and SWIFT_EPOCH_TIME.search(text):
            times[epoch] = float(SWIFT_EPOCH_TIME.search(text).group(1))
    steady = [t for e, t in times.items() if e >= 1]
    per_epoch = sum(steady) / len(steady) if steady else times.get(0)
    if tool == "mace":
        rows = last_table(lines, "Error-table on TEST")
    else:
        rows = [r for r in last_table(lines, "Error-table on TRAIN, VALID and TEST")
                if r.get("config_type") not in ("train", "valid")]
    test = rows[0] if rows else {}
    return {
        "status": status,
        "epochs": len(epochs),
        "total": (end - start) if start is not None and end is not None else None,
        "epoch_sum": sum(times.values()) if times else None,
        "per_epoch": per_epoch,
        "per_epoch_method": "mean of epochs >= 1" if steady else "epoch 0",
        "test_row": test.get("config_type"),
        "mae_e": _number(test.get("MAE E / meV / atom")),
        "mae_f": _number(test.get("MAE F / meV / A")),
    }


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def report(directory):
    tools = {"mace-torch": summary(directory, "mace"), "SwiftMACE": summary(directory, "swiftmace")}
    rows = [
        ("test energy MAE (meV/atom)", "mae_e", "{:.2f}"),
        ("test force MAE (meV/Å)", "mae_f", "{:.2f}"),
        ("total wall time (s)", "total", "{:.1f}"),
        ("sum of epoch times (s)", "epoch_sum", "{:.1f}"),
        ("time per epoch (s)", "per_epoch", "{:.2f}"),
    ]

    def cell(values, key, form):
        return "—" if values is None or values.get(key) is None else form.format(values[key])

    print(f"\n{directory}")
    print("| quantity | mace-torch | SwiftMACE | SwiftMACE / mace-torch |")
    print("|---|---:|---:|---:|")
    mace, swift = tools["mace-torch"], tools["SwiftMACE"]
    for label, key, form in rows:
        ratio = "—"
        if mace and swift and mace.get(key) and swift.get(key) is not None:
            ratio = f"{swift[key] / mace[key]:.3f}"
        print(f"| {label} | {cell(mace, key, form)} | {cell(swift, key, form)} | {ratio} |")
    for name, values in tools.items():
        if values is None:
            print(f"{name}: no log")
            continue
        print(f"{name}: exit status {values['status']}, {values['epochs']} epochs, test row '{values['test_row']}', "
              f"time per epoch = {values['per_epoch_method']}")
    if mace and swift and mace.get("per_epoch") and swift.get("per_epoch"):
        print(f"speed-up per epoch (mace-torch / SwiftMACE): {mace['per_epoch'] / swift['per_epoch']:.2f}x (goal ≥ 3)")
    if mace and swift and mace.get("mae_f") and swift.get("mae_f") is not None:
        print(f"force MAE ratio (SwiftMACE / mace-torch): {swift['mae_f'] / mace['mae_f']:.3f} (goal ≤ 1.10)")
    failed = [name for name, values in tools.items() if values is None or values["status"] != 0]
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "run" and argv[3] == "--":
        return run(argv[2], argv[4:])
    if len(argv) == 3 and argv[1] == "report":
        return report(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
