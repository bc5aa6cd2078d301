# ruff: noqa: E501 - golden data: the JSON kubectl read and the text it printed, verbatim
"""`api.describe`: kubectl's pod describer, checked against real `kubectl describe pod` output.

The two golden texts were printed by kubectl 1.32 for pods running on a `tinykube serve` daemon,
together with the pod and event JSON it read (`RICH_*`: a crash-looping init container, probes,
every env source, five volume types, tolerations, a long and a multi-line annotation;
`MULTI_*`: an init container, two app containers, resources). Only the event ages depend on the
time, so `now` is the moment kubectl ran (for MULTI, the Age cells are those of that moment).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from tinykube.api import describe, wire
from tinykube.api.objects import Event
from tinykube.api.pod import Pod

RICH_POD: dict[str, Any] = json.loads(
    '{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"kubectl.kubernetes.io/default-container":"app","kubectl.kubernetes.io/last-applied-configuration":"{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Pod\\",\\"metadata\\":{\\"annotations\\":{\\"kubectl.kubernetes.io/default-container\\":\\"app\\",\\"long\\":\\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\",\\"multi\\":\\"line one\\\\nline two\\"},\\"name\\":\\"rich\\",\\"namespace\\":\\"default\\"},\\"spec\\":{\\"containers\\":[{\\"command\\":[\\"sleep\\",\\"3600\\"],\\"env\\":[{\\"name\\":\\"POD\\",\\"valueFrom\\":{\\"fieldRef\\":{\\"fieldPath\\":\\"metadata.name\\"}}},{\\"name\\":\\"CPU\\",\\"valueFrom\\":{\\"resourceFieldRef\\":{\\"resource\\":\\"limits.cpu\\"}}},{\\"name\\":\\"MEM\\",\\"valueFrom\\":{\\"resourceFieldRef\\":{\\"divisor\\":\\"1Mi\\",\\"resource\\":\\"requests.memory\\"}}},{\\"name\\":\\"TOKEN\\",\\"valueFrom\\":{\\"secretKeyRef\\":{\\"key\\":\\"token\\",\\"name\\":\\"creds\\"}}},{\\"name\\":\\"MODE\\",\\"valueFrom\\":{\\"configMapKeyRef\\":{\\"key\\":\\"mode\\",\\"name\\":\\"settings\\",\\"optional\\":false}}},{\\"name\\":\\"MULTI\\",\\"value\\":\\"a\\\\nb\\"}],\\"envFrom\\":[{\\"configMapRef\\":{\\"name\\":\\"settings\\"}},{\\"prefix\\":\\"S_\\",\\"secretRef\\":{\\"name\\":\\"creds\\",\\"optional\\":true}}],\\"image\\":\\"busybox\\",\\"livenessProbe\\":{\\"exec\\":{\\"command\\":[\\"true\\"]},\\"periodSeconds\\":30},\\"name\\":\\"app\\",\\"ports\\":[{\\"containerPort\\":80,\\"name\\":\\"http\\"},{\\"containerPort\\":53,\\"hostPort\\":5353,\\"protocol\\":\\"UDP\\"}],\\"readinessProbe\\":{\\"httpGet\\":{\\"path\\":\\"/healthz\\",\\"port\\":8080},\\"initialDelaySeconds\\":2},\\"resources\\":{\\"requests\\":{\\"cpu\\":\\"250m\\",\\"memory\\":\\"20Mi\\"}},\\"startupProbe\\":{\\"failureThreshold\\":30,\\"tcpSocket\\":{\\"port\\":\\"http\\"}},\\"volumeMounts\\":[{\\"mountPath\\":\\"/etc/cfg\\",\\"name\\":\\"cfg\\"},{\\"mountPath\\":\\"/etc/sec\\",\\"name\\":\\"sec\\",\\"readOnly\\":true,\\"subPath\\":\\"token\\"},{\\"mountPath\\":\\"/etc/info\\",\\"name\\":\\"info\\"}]}],\\"initContainers\\":[{\\"args\\":[\\"ignored\\"],\\"command\\":[\\"sh\\",\\"-c\\",\\"echo try; exit 3\\"],\\"image\\":\\"busybox\\",\\"name\\":\\"flaky\\"}],\\"priority\\":7,\\"terminationGracePeriodSeconds\\":1,\\"tolerations\\":[{\\"effect\\":\\"NoSchedule\\",\\"key\\":\\"zone\\",\\"operator\\":\\"Equal\\",\\"value\\":\\"a\\"},{\\"operator\\":\\"Exists\\"},{\\"effect\\":\\"NoExecute\\",\\"key\\":\\"node.kubernetes.io/not-ready\\",\\"operator\\":\\"Exists\\",\\"tolerationSeconds\\":300}],\\"volumes\\":[{\\"configMap\\":{\\"name\\":\\"settings\\"},\\"name\\":\\"cfg\\"},{\\"name\\":\\"sec\\",\\"secret\\":{\\"optional\\":true,\\"secretName\\":\\"creds\\"}},{\\"hostPath\\":{\\"path\\":\\"/tmp\\",\\"type\\":\\"Directory\\"},\\"name\\":\\"host\\"},{\\"downwardAPI\\":{\\"items\\":[{\\"fieldRef\\":{\\"fieldPath\\":\\"metadata.labels\\"},\\"path\\":\\"labels\\"}]},\\"name\\":\\"info\\"},{\\"emptyDir\\":{\\"medium\\":\\"Memory\\",\\"sizeLimit\\":\\"1Mi\\"},\\"name\\":\\"mem\\"}]}}\\n","long":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","multi":"line one\\nline two"},"creationTimestamp":"2026-11-27T10:01:46Z","generation":2,"name":"rich","namespace":"default","resourceVersion":"256","uid":"4838eede-5abf-4028-921c-8565dca0150e"},"spec":{"containers":[{"command":["sleep","3600"],"env":[{"name":"POD","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},{"name":"CPU","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu"}}},{"name":"MEM","valueFrom":{"resourceFieldRef":{"divisor":"1Mi","resource":"requests.memory"}}},{"name":"TOKEN","valueFrom":{"secretKeyRef":{"key":"token","name":"creds"}}},{"name":"MODE","valueFrom":{"configMapKeyRef":{"key":"mode","name":"settings","optional":false}}},{"name":"MULTI","value":"a\\nb"}],"envFrom":[{"configMapRef":{"name":"settings"}},{"prefix":"S_","secretRef":{"name":"creds","optional":true}}],"image":"busybox","imagePullPolicy":"Always","livenessProbe":{"exec":{"command":["true"]},"failureThreshold":3,"periodSeconds":30,"successThreshold":1,"timeoutSeconds":1},"name":"app","ports":[{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":53,"hostPort":5353,"protocol":"UDP"}],"readinessProbe":{"failureThreshold":3,"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"initialDelaySeconds":2,"periodSeconds":10,"successThreshold":1,"timeoutSeconds":1},"resources":{"requests":{"cpu":"250m","memory":"20Mi"}},"startupProbe":{"failureThreshold":30,"periodSeconds":10,"successThreshold":1,"tcpSocket":{"port":"http"},"timeoutSeconds":1},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","volumeMounts":[{"mountPath":"/etc/cfg","name":"cfg"},{"mountPath":"/etc/sec","name":"sec","readOnly":true,"subPath":"token"},{"mountPath":"/etc/info","name":"info"}]}],"dnsPolicy":"ClusterFirst","enableServiceLinks":true,"initContainers":[{"args":["ignored"],"command":["sh","-c","echo try; exit 3"],"image":"busybox","imagePullPolicy":"Always","name":"flaky","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"nodeName":"vm","priority":7,"restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":1,"tolerations":[{"effect":"NoSchedule","key":"zone","operator":"Equal","value":"a"},{"operator":"Exists"},{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300}],"volumes":[{"configMap":{"defaultMode":420,"name":"settings"},"name":"cfg"},{"name":"sec","secret":{"defaultMode":420,"optional":true,"secretName":"creds"}},{"hostPath":{"path":"/tmp","type":"Directory"},"name":"host"},{"downwardAPI":{"defaultMode":420,"items":[{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.labels"},"path":"labels"}]},"name":"info"},{"emptyDir":{"medium":"Memory","sizeLimit":"1Mi"},"name":"mem"}]},"status":{"conditions":[{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T10:01:46Z","status":"True","type":"PodReadyToStartContainers"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T10:01:46Z","message":"containers with incomplete status: [flaky]","reason":"ContainersNotInitialized","status":"False","type":"Initialized"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T10:01:46Z","message":"containers with unready status: [app]","reason":"ContainersNotReady","status":"False","type":"Ready"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T10:01:46Z","message":"containers with unready status: [app]","reason":"ContainersNotReady","status":"False","type":"ContainersReady"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T10:01:46Z","status":"True","type":"PodScheduled"}],"containerStatuses":[{"image":"busybox","imageID":"","lastState":{},"name":"app","ready":false,"restartCount":0,"started":false,"state":{"waiting":{"reason":"PodInitializing"}}}],"hostIP":"127.0.0.1","hostIPs":[{"ip":"127.0.0.1"}],"initContainerStatuses":[{"containerID":"tinykube://cf3e1c2cae2a4e9284aaa50accc7fdfd","image":"busybox","imageID":"","lastState":{"terminated":{"containerID":"tinykube://cf3e1c2cae2a4e9284aaa50accc7fdfd","exitCode":3,"finishedAt":"2026-11-27T10:01:54Z","reason":"Error","startedAt":"2026-11-27T10:01:54Z"}},"name":"flaky","ready":false,"restartCount":10,"started":false,"state":{"waiting":{"message":"back-off 1s restarting failed container=flaky pod=rich_default(4838eede-5abf-4028-921c-8565dca0150e)","reason":"CrashLoopBackOff"}}}],"phase":"Pending","qosClass":"Burstable","startTime":"2026-11-27T10:01:46Z"}}'
)
RICH_EVENTS: list[dict[str, Any]] = json.loads(
    '[{"action":"Binding","apiVersion":"v1","eventTime":"2026-11-27T10:01:46.663924Z","firstTimestamp":null,"involvedObject":{"apiVersion":"v1","kind":"Pod","name":"rich","namespace":"default","uid":"4838eede-5abf-4028-921c-8565dca0150e"},"kind":"Event","lastTimestamp":null,"message":"Successfully assigned default/rich to vm","metadata":{"creationTimestamp":"2026-11-27T10:01:46Z","name":"rich.18ebdeabfab09120","namespace":"default","resourceVersion":"207","uid":"65831db7-9f99-4d71-8674-55e9e3f4281e"},"reason":"Scheduled","reportingComponent":"default-scheduler","reportingInstance":"default-scheduler-vm","source":{"component":"default-scheduler"},"type":"Normal"},{"apiVersion":"v1","count":11,"eventTime":null,"firstTimestamp":"2026-11-27T10:01:46Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.initContainers{flaky}","kind":"Pod","name":"rich","namespace":"default","uid":"4838eede-5abf-4028-921c-8565dca0150e"},"kind":"Event","lastTimestamp":"2026-11-27T10:01:54Z","message":"Created container: flaky","metadata":{"creationTimestamp":"2026-11-27T10:01:46Z","name":"rich.18ebdeabfd06b620","namespace":"default","resourceVersion":"253","uid":"001e45a3-d627-4746-bdff-62302277dbda"},"reason":"Created","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"},{"apiVersion":"v1","count":11,"eventTime":null,"firstTimestamp":"2026-11-27T10:01:46Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.initContainers{flaky}","kind":"Pod","name":"rich","namespace":"default","uid":"4838eede-5abf-4028-921c-8565dca0150e"},"kind":"Event","lastTimestamp":"2026-11-27T10:01:54Z","message":"Started container flaky","metadata":{"creationTimestamp":"2026-11-27T10:01:46Z","name":"rich.18ebdeabffe15d00","namespace":"default","resourceVersion":"255","uid":"d7f3aecb-7e1e-44dc-a874-193ec23d3676"},"reason":"Started","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"},{"apiVersion":"v1","count":10,"eventTime":null,"firstTimestamp":"2026-11-27T10:01:46Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.initContainers{flaky}","kind":"Pod","name":"rich","namespace":"default","uid":"4838eede-5abf-4028-921c-8565dca0150e"},"kind":"Event","lastTimestamp":"2026-11-27T10:01:54Z","message":"Back-off restarting failed container flaky in pod rich_default(4838eede-5abf-4028-921c-8565dca0150e)","metadata":{"creationTimestamp":"2026-11-27T10:01:46Z","name":"rich.18ebdeac028beb60","namespace":"default","resourceVersion":"257","uid":"851114ee-75b4-4b5c-9097-935b9297f91e"},"reason":"BackOff","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Warning"}]'
)
RICH_NOW = datetime.datetime(2026, 11, 27, 10, 1, 55, tzinfo=datetime.UTC)
RICH_DESCRIBED = "Name:         rich\nNamespace:    default\nPriority:     7\nNode:         vm/127.0.0.1\nStart Time:   Fri, 27 Nov 2026 10:01:46 +0000\nLabels:       <none>\nAnnotations:  kubectl.kubernetes.io/default-container: app\n              long:\n                aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\n              multi:\n                line one\n                line two\nStatus:       Pending\nIP:           \nIPs:          <none>\nInit Containers:\n  flaky:\n    Container ID:  tinykube://cf3e1c2cae2a4e9284aaa50accc7fdfd\n    Image:         busybox\n    Image ID:      \n    Port:          <none>\n    Host Port:     <none>\n    Command:\n      sh\n      -c\n      echo try; exit 3\n    Args:\n      ignored\n    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    3\n      Started:      Fri, 27 Nov 2026 10:01:54 +0000\n      Finished:     Fri, 27 Nov 2026 10:01:54 +0000\n    Ready:          False\n    Restart Count:  10\n    Environment:    <none>\n    Mounts:         <none>\nContainers:\n  app:\n    Container ID:  \n    Image:         busybox\n    Image ID:      \n    Ports:         80/TCP, 53/UDP\n    Host Ports:    0/TCP, 5353/UDP\n    Command:\n      sleep\n      3600\n    State:          Waiting\n      Reason:       PodInitializing\n    Ready:          False\n    Restart Count:  0\n    Requests:\n      cpu:      250m\n      memory:   20Mi\n    Liveness:   exec [true] delay=0s timeout=1s period=30s #success=1 #failure=3\n    Readiness:  http-get http://:8080/healthz delay=2s timeout=1s period=10s #success=1 #failure=3\n    Startup:    tcp-socket :http delay=0s timeout=1s period=10s #success=1 #failure=30\n    Environment Variables from:\n      settings  ConfigMap                Optional: false\n      creds     Secret with prefix 'S_'  Optional: true\n    Environment:\n      POD:    rich (v1:metadata.name)\n      CPU:    node allocatable (limits.cpu)\n      MEM:    20 (requests.memory)\n      TOKEN:  <set to the key 'token' in secret 'creds'>        Optional: false\n      MODE:   <set to the key 'mode' of config map 'settings'>  Optional: false\n      MULTI:  a\n              b\n    Mounts:\n      /etc/cfg from cfg (rw)\n      /etc/info from info (rw)\n      /etc/sec from sec (ro,path=\"token\")\nConditions:\n  Type                        Status\n  PodReadyToStartContainers   True \n  Initialized                 False \n  Ready                       False \n  ContainersReady             False \n  PodScheduled                True \nVolumes:\n  cfg:\n    Type:      ConfigMap (a volume populated by a ConfigMap)\n    Name:      settings\n    Optional:  false\n  sec:\n    Type:        Secret (a volume populated by a Secret)\n    SecretName:  creds\n    Optional:    true\n  host:\n    Type:          HostPath (bare host directory volume)\n    Path:          /tmp\n    HostPathType:  Directory\n  info:\n    Type:  DownwardAPI (a volume populated by information about the pod)\n    Items:\n      metadata.labels -> labels\n  mem:\n    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:      Memory\n    SizeLimit:   1Mi\nQoS Class:       Burstable\nNode-Selectors:  <none>\nTolerations:     op=Exists\n                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n                 zone=a:NoSchedule\nEvents:\n  Type     Reason     Age               From               Message\n  ----     ------     ----              ----               -------\n  Normal   Scheduled  8s                default-scheduler  Successfully assigned default/rich to vm\n  Normal   Created    1s (x11 over 9s)  kubelet            Created container: flaky\n  Normal   Started    1s (x11 over 9s)  kubelet            Started container flaky\n  Warning  BackOff    1s (x10 over 9s)  kubelet            Back-off restarting failed container flaky in pod rich_default(4838eede-5abf-4028-921c-8565dca0150e)\n"

MULTI_POD: dict[str, Any] = json.loads(
    '{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Pod\\",\\"metadata\\":{\\"annotations\\":{\\"note\\":\\"hello\\"},\\"labels\\":{\\"app\\":\\"demo\\",\\"tier\\":\\"x\\"},\\"name\\":\\"multi\\",\\"namespace\\":\\"default\\"},\\"spec\\":{\\"containers\\":[{\\"command\\":[\\"sh\\",\\"-c\\",\\"echo main up; sleep 3600\\"],\\"env\\":[{\\"name\\":\\"FOO\\",\\"value\\":\\"bar\\"}],\\"image\\":\\"busybox\\",\\"name\\":\\"main\\",\\"ports\\":[{\\"containerPort\\":8080}],\\"resources\\":{\\"limits\\":{\\"memory\\":\\"20Mi\\"},\\"requests\\":{\\"cpu\\":\\"100m\\",\\"memory\\":\\"10Mi\\"}},\\"volumeMounts\\":[{\\"mountPath\\":\\"/work\\",\\"name\\":\\"work\\",\\"readOnly\\":true}]},{\\"command\\":[\\"sh\\",\\"-c\\",\\"echo side; sleep 3600\\"],\\"image\\":\\"busybox\\",\\"name\\":\\"side\\"}],\\"initContainers\\":[{\\"command\\":[\\"sh\\",\\"-c\\",\\"echo setup done; echo x \\\\u003e /work/f\\"],\\"image\\":\\"busybox\\",\\"name\\":\\"setup\\",\\"volumeMounts\\":[{\\"mountPath\\":\\"/work\\",\\"name\\":\\"work\\"}]}],\\"restartPolicy\\":\\"Always\\",\\"volumes\\":[{\\"emptyDir\\":{},\\"name\\":\\"work\\"}]}}\\n","note":"hello"},"creationTimestamp":"2026-11-27T09:48:37Z","generation":2,"labels":{"app":"demo","tier":"x"},"name":"multi","namespace":"default","resourceVersion":"11","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"spec":{"containers":[{"command":["sh","-c","echo main up; sleep 3600"],"env":[{"name":"FOO","value":"bar"}],"image":"busybox","imagePullPolicy":"Always","name":"main","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"memory":"20Mi"},"requests":{"cpu":"100m","memory":"10Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","volumeMounts":[{"mountPath":"/work","name":"work","readOnly":true}]},{"command":["sh","-c","echo side; sleep 3600"],"image":"busybox","imagePullPolicy":"Always","name":"side","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","enableServiceLinks":true,"initContainers":[{"command":["sh","-c","echo setup done; echo x > /work/f"],"image":"busybox","imagePullPolicy":"Always","name":"setup","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","volumeMounts":[{"mountPath":"/work","name":"work"}]}],"nodeName":"vm","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30,"volumes":[{"emptyDir":{},"name":"work"}]},"status":{"conditions":[{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:48:37Z","status":"True","type":"PodReadyToStartContainers"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:48:37Z","status":"True","type":"Initialized"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:48:37Z","status":"True","type":"Ready"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:48:37Z","status":"True","type":"ContainersReady"},{"lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:48:37Z","status":"True","type":"PodScheduled"}],"containerStatuses":[{"containerID":"tinykube://4dcea462b3d1493ab800a07681146099","image":"busybox","imageID":"","lastState":{},"name":"main","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2026-11-27T09:48:37Z"}}},{"containerID":"tinykube://c8a072657df345f3b704784b0ac6ec6e","image":"busybox","imageID":"","lastState":{},"name":"side","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2026-11-27T09:48:37Z"}}}],"hostIP":"127.0.0.1","hostIPs":[{"ip":"127.0.0.1"}],"initContainerStatuses":[{"containerID":"tinykube://ebb00dba96334ec4965129dbabef8e65","image":"busybox","imageID":"","lastState":{},"name":"setup","ready":true,"restartCount":0,"started":false,"state":{"terminated":{"containerID":"tinykube://ebb00dba96334ec4965129dbabef8e65","exitCode":0,"finishedAt":"2026-11-27T09:48:37Z","reason":"Completed","startedAt":"2026-11-27T09:48:37Z"}}}],"phase":"Running","qosClass":"Burstable","startTime":"2026-11-27T09:48:37Z"}}'
)
MULTI_EVENTS: list[dict[str, Any]] = json.loads(
    '[{"action":"Binding","apiVersion":"v1","eventTime":"2026-11-27T09:48:37.401071Z","firstTimestamp":null,"involvedObject":{"apiVersion":"v1","kind":"Pod","name":"multi","namespace":"default","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"kind":"Event","lastTimestamp":null,"message":"Successfully assigned default/multi to vm","metadata":{"creationTimestamp":"2026-11-27T09:48:37Z","name":"multi.18ebddf436f52d98","namespace":"default","resourceVersion":"5","uid":"fca2dd5e-c860-41bf-9005-0aa13d7890fe"},"reason":"Scheduled","reportingComponent":"default-scheduler","reportingInstance":"default-scheduler-vm","source":{"component":"default-scheduler"},"type":"Normal"},{"apiVersion":"v1","count":1,"eventTime":null,"firstTimestamp":"2026-11-27T09:48:37Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.initContainers{setup}","kind":"Pod","name":"multi","namespace":"default","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"kind":"Event","lastTimestamp":"2026-11-27T09:48:37Z","message":"Created container: setup","metadata":{"creationTimestamp":"2026-11-27T09:48:37Z","name":"multi.18ebddf438e1cee0","namespace":"default","resourceVersion":"6","uid":"d9898cbe-8e51-4bba-8dc3-0c692a1ff099"},"reason":"Created","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"},{"apiVersion":"v1","count":1,"eventTime":null,"firstTimestamp":"2026-11-27T09:48:37Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.initContainers{setup}","kind":"Pod","name":"multi","namespace":"default","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"kind":"Event","lastTimestamp":"2026-11-27T09:48:37Z","message":"Started container setup","metadata":{"creationTimestamp":"2026-11-27T09:48:37Z","name":"multi.18ebddf43a9be6a8","namespace":"default","resourceVersion":"7","uid":"41211bc3-ee4e-4931-bdbe-8bbad8e9fdce"},"reason":"Started","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"},{"apiVersion":"v1","count":1,"eventTime":null,"firstTimestamp":"2026-11-27T09:48:37Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.containers{main}","kind":"Pod","name":"multi","namespace":"default","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"kind":"Event","lastTimestamp":"2026-11-27T09:48:37Z","message":"Created container: main","metadata":{"creationTimestamp":"2026-11-27T09:48:37Z","name":"multi.18ebddf43ad2d910","namespace":"default","resourceVersion":"8","uid":"62a77a0d-3054-4529-abb8-a192aeb2fe7a"},"reason":"Created","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"},{"apiVersion":"v1","count":1,"eventTime":null,"firstTimestamp":"2026-11-27T09:48:37Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.containers{main}","kind":"Pod","name":"multi","namespace":"default","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"kind":"Event","lastTimestamp":"2026-11-27T09:48:37Z","message":"Started container main","metadata":{"creationTimestamp":"2026-11-27T09:48:37Z","name":"multi.18ebddf43c288da0","namespace":"default","resourceVersion":"9","uid":"36eddc92-bee3-4f62-a63a-83297c5721d9"},"reason":"Started","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"},{"apiVersion":"v1","count":1,"eventTime":null,"firstTimestamp":"2026-11-27T09:48:37Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.containers{side}","kind":"Pod","name":"multi","namespace":"default","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"kind":"Event","lastTimestamp":"2026-11-27T09:48:37Z","message":"Created container: side","metadata":{"creationTimestamp":"2026-11-27T09:48:37Z","name":"multi.18ebddf43c4368a0","namespace":"default","resourceVersion":"10","uid":"14fd22e5-af51-410c-8307-8ee2017b5c43"},"reason":"Created","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"},{"apiVersion":"v1","count":1,"eventTime":null,"firstTimestamp":"2026-11-27T09:48:37Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.containers{side}","kind":"Pod","name":"multi","namespace":"default","uid":"7f5d4f1a-1c94-4646-8029-a4b179594303"},"kind":"Event","lastTimestamp":"2026-11-27T09:48:37Z","message":"Started container side","metadata":{"creationTimestamp":"2026-11-27T09:48:37Z","name":"multi.18ebddf43cf831e0","namespace":"default","resourceVersion":"12","uid":"a23f1c72-f86a-4f3d-801b-699f61d1f55a"},"reason":"Started","reportingComponent":"kubelet","reportingInstance":"vm","source":{"component":"kubelet","host":"vm"},"type":"Normal"}]'
)
MULTI_DESCRIBED = "Name:         multi\nNamespace:    default\nNode:         vm/127.0.0.1\nStart Time:   Fri, 27 Nov 2026 09:48:37 +0000\nLabels:       app=demo\n              tier=x\nAnnotations:  note: hello\nStatus:       Running\nIP:           \nIPs:          <none>\nInit Containers:\n  setup:\n    Container ID:  tinykube://ebb00dba96334ec4965129dbabef8e65\n    Image:         busybox\n    Image ID:      \n    Port:          <none>\n    Host Port:     <none>\n    Command:\n      sh\n      -c\n      echo setup done; echo x > /work/f\n    State:          Terminated\n      Reason:       Completed\n      Exit Code:    0\n      Started:      Fri, 27 Nov 2026 09:48:37 +0000\n      Finished:     Fri, 27 Nov 2026 09:48:37 +0000\n    Ready:          True\n    Restart Count:  0\n    Environment:    <none>\n    Mounts:\n      /work from work (rw)\nContainers:\n  main:\n    Container ID:  tinykube://4dcea462b3d1493ab800a07681146099\n    Image:         busybox\n    Image ID:      \n    Port:          8080/TCP\n    Host Port:     0/TCP\n    Command:\n      sh\n      -c\n      echo main up; sleep 3600\n    State:          Running\n      Started:      Fri, 27 Nov 2026 09:48:37 +0000\n    Ready:          True\n    Restart Count:  0\n    Limits:\n      memory:  20Mi\n    Requests:\n      cpu:     100m\n      memory:  10Mi\n    Environment:\n      FOO:  bar\n    Mounts:\n      /work from work (ro)\n  side:\n    Container ID:  tinykube://c8a072657df345f3b704784b0ac6ec6e\n    Image:         busybox\n    Image ID:      \n    Port:          <none>\n    Host Port:     <none>\n    Command:\n      sh\n      -c\n      echo side; sleep 3600\n    State:          Running\n      Started:      Fri, 27 Nov 2026 09:48:37 +0000\n    Ready:          True\n    Restart Count:  0\n    Environment:    <none>\n    Mounts:         <none>\nConditions:\n  Type                        Status\n  PodReadyToStartContainers   True \n  Initialized                 True \n  Ready                       True \n  ContainersReady             True \n  PodScheduled                True \nVolumes:\n  work:\n    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:      \n    SizeLimit:   <unset>\nQoS Class:       Burstable\nNode-Selectors:  <none>\nTolerations:     <none>\nEvents:\n  Type    Reason     Age    From               Message\n  ----    ------     ----   ----               -------\n  Normal  Scheduled  3m24s  default-scheduler  Successfully assigned default/multi to vm\n  Normal  Created    3m25s  kubelet            Created container: setup\n  Normal  Started    3m25s  kubelet            Started container setup\n  Normal  Created    3m25s  kubelet            Created container: main\n  Normal  Started    3m25s  kubelet            Started container main\n  Normal  Created    3m25s  kubelet            Created container: side\n  Normal  Started    3m25s  kubelet            Started container side\n"
MULTI_NOW = datetime.datetime(2026, 11, 27, 9, 52, 2, 200000, tzinfo=datetime.UTC)


def _pod(raw: dict[str, Any]) -> Pod:
    return wire.from_wire(raw, Pod)


def _events(raw: list[dict[str, Any]]) -> list[Event]:
    return [wire.from_wire(item, Event) for item in raw]


@pytest.mark.parametrize(
    ("pod", "events", "now", "expected"),
    [
        pytest.param(RICH_POD, RICH_EVENTS, RICH_NOW, RICH_DESCRIBED, id="crash-looping-init"),
        pytest.param(MULTI_POD, MULTI_EVENTS, MULTI_NOW, MULTI_DESCRIBED, id="init-and-two-apps"),
    ],
)
def test_describe_pod_prints_what_kubectl_printed(
    pod: dict[str, Any], events: list[dict[str, Any]], now: datetime.datetime, expected: str
) -> None:
    assert describe.describe_pod(_pod(pod), _events(events), now=now) == expected


def test_without_events_the_section_says_none_and_aligns_with_the_block_above() -> None:
    text = describe.describe_pod(_pod(MULTI_POD), [], now=MULTI_NOW)
    assert text.endswith("Tolerations:     <none>\nEvents:          <none>\n")


def test_show_events_false_leaves_the_section_out() -> None:
    text = describe.describe_pod(_pod(MULTI_POD), None, now=MULTI_NOW)
    assert text.endswith("Tolerations:     <none>\n")


def test_times_are_printed_in_the_given_zone() -> None:
    zone = datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))
    text = describe.describe_pod(_pod(MULTI_POD), None, now=MULTI_NOW, tz=zone)
    assert "Start Time:   Fri, 27 Nov 2026 04:18:37 -0530\n" in text


def test_a_terminating_pod_shows_how_long_its_grace_lasts() -> None:
    raw = json.loads(json.dumps(MULTI_POD))
    raw["metadata"]["deletionTimestamp"] = "2026-11-27T09:52:30Z"
    raw["metadata"]["deletionGracePeriodSeconds"] = 30
    text = describe.describe_pod(_pod(raw), None, now=MULTI_NOW)
    # translateTimestampSince of a future time: HumanDuration of a negative duration
    # the longer label widens the whole first block, as kubectl's tabwriter does
    assert text.startswith("Name:                      multi\n")
    assert "Status:                    Terminating (lasts <invalid>)\n" in text
    assert "Termination Grace Period:  30s\n" in text


def test_terminated_state_with_message_and_signal() -> None:
    raw = json.loads(json.dumps(MULTI_POD))
    raw["status"]["containerStatuses"][0]["state"] = {
        "terminated": {
            "exitCode": 137,
            "signal": 9,
            "reason": "OOMKilled",
            "message": "out of memory",
            "startedAt": "2026-11-27T09:48:37Z",
            "finishedAt": "2026-11-27T09:50:00Z",
        }
    }
    text = describe.describe_pod(_pod(raw), None, now=MULTI_NOW)
    assert (
        "    State:          Terminated\n"
        "      Reason:       OOMKilled\n"
        "      Message:      out of memory\n"
        "      Exit Code:    137\n"
        "      Signal:       9\n"
        "      Started:      Fri, 27 Nov 2026 09:48:37 +0000\n"
        "      Finished:     Fri, 27 Nov 2026 09:50:00 +0000\n"
        "    Ready:          True\n"
    ) in text


def test_a_container_without_status_has_no_state_lines() -> None:
    raw = json.loads(json.dumps(MULTI_POD))
    raw["status"] = {"phase": "Pending"}
    text = describe.describe_pod(_pod(raw), None, now=MULTI_NOW)
    assert "Container ID" not in text
    assert "State:" not in text
    assert "  main:\n    Image:      busybox\n    Port:       8080/TCP\n" in text
    assert "Conditions:" not in text
    assert "QoS Class:       Burstable\n" in text  # computed when the status has none


@pytest.mark.parametrize(
    ("event", "age"),
    [
        pytest.param({"firstTimestamp": "2026-11-27T09:52:00Z"}, "2s", id="first-seen"),
        pytest.param(
            {
                "count": 3,
                "firstTimestamp": "2026-11-27T09:40:00Z",
                "lastTimestamp": "2026-11-27T09:51:00Z",
            },
            "62s (x3 over 12m)",
            id="repeated",
        ),
        pytest.param(
            {
                "eventTime": "2026-11-27T09:50:00.000000Z",
                "series": {"count": 4, "lastObservedTime": "2026-11-27T09:52:00.000000Z"},
            },
            "2s (x4 over 2m2s)",
            id="series",
        ),
        pytest.param({}, "<unknown>", id="no-time"),
    ],
)
def test_event_age(event: dict[str, Any], age: str) -> None:
    assert describe.event_age(wire.from_wire(event, Event), MULTI_NOW) == age


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a\tb\nccc\td\n", "a    b\nccc  d\n", id="column"),
        pytest.param("a\tb\nno tab\nccc\td\n", "a  b\nno tab\nccc  d\n", id="block-break"),
        pytest.param("x\t\ty\nlonger\tz\t\n", "x          y\nlonger  z  \n", id="empty-cells"),
        pytest.param("k:\tv\n\tw\n", "k:  v\n    w\n", id="continuation"),
    ],
)
def test_tabwrite_is_gos_tabwriter(text: str, expected: str) -> None:
    assert describe.tabwrite(text) == expected


def test_terminal_escapes_are_shown_not_sent() -> None:
    raw = json.loads(json.dumps(MULTI_POD))
    raw["metadata"]["labels"] = {"x": "a\x1b[31mred\r"}
    text = describe.describe_pod(_pod(raw), None, now=MULTI_NOW)
    assert "Labels:       x=a^[[31mred\\r\n" in text
