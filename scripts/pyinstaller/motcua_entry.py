"""Frozen entry point of the counter app (motcua.exe)."""
import multiprocessing
import sys

from desktop.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
