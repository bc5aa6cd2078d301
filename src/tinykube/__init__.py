"""tinykube: a single-node Kubernetes pod engine with the kubelet's init-container semantics."""

__version__ = "0.1.0"
__all__ = ["__version__"]
