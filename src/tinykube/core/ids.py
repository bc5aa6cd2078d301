"""Identifiers of runtime objects."""

from typing import NewType

PodUID = NewType("PodUID", str)
ContainerID = NewType("ContainerID", str)
SandboxID = NewType("SandboxID", str)
