"""Placeholder: `tinykube toolbox` is being written; it adds no command yet."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    del subparsers
