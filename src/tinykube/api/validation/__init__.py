"""Validation of API objects with the apiserver's rules and messages.

Each function returns the list of `FieldError`s, in the order Kubernetes' `ValidatePodCreate`
(and friends) append them; an empty list means valid. Nothing here raises for bad input.

Modules: `names` (DNS labels/subdomains, label and annotation syntax), `meta` (ObjectMeta),
`volumes` (pod volumes), `containers` (every container rule, init and sidecar rules included),
`pod` (the pod spec and the create/update entry points), `objects` (ConfigMap, Secret,
Namespace, Event).
"""

from tinykube.api.validation.objects import (
    validate_configmap,
    validate_namespace,
    validate_secret,
)
from tinykube.api.validation.pod import validate_pod, validate_pod_update

__all__ = [
    "validate_configmap",
    "validate_namespace",
    "validate_pod",
    "validate_pod_update",
    "validate_secret",
]
