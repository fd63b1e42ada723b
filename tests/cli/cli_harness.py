"""What the CLI test scripts share: run the shapebridge binary given as the
script's first argument, and collect failures instead of stopping at the
first (each script prints them all and exits 1 if there are any)."""
import subprocess
import sys

SB = sys.argv[1]
failures = []


def run(*args, expect=0):
    """SB ARGS...; a wrong exit code, a crash or a sanitizer report is a failure."""
    p = subprocess.run([SB, *args], capture_output=True, text=True, timeout=600)
    if p.returncode != expect:
        failures.append(f"{' '.join(args)}: exit {p.returncode}, expected {expect}\n"
                        f"stdout: {p.stdout}\nstderr: {p.stderr}")
    if p.returncode < 0 or "AddressSanitizer" in p.stderr:
        failures.append(f"{' '.join(args)}: crashed\n{p.stderr}")
    return p


def check(cond, what):
    if not cond:
        failures.append(what)
