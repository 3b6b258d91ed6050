"""Frozen entry point of the supervisors' CLI (motcua-pack.exe)."""
import multiprocessing
import sys

from knowledge.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # pack builds segment on a process pool
    sys.exit(main())
