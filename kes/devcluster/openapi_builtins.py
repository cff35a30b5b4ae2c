"""Schemas of the built-in kinds for ``kubectl explain``, in a deliberately small form.

Each kind gets the fields people look up most (a Pod's containers, env, volumes, a
Deployment's replicas and template, ...) with a one-line description; everything else is left
out rather than guessed. Shared types are referenced by their upstream names
(``io.k8s.api.core.v1.Container``) so ``explain`` prints familiar type names.

No patch operation in our documents declares a request body, so kubectl never derives strategic
merge metadata from these schemas (it keeps its compiled-in merge keys for ``apply``).
"""

from __future__ import annotations

from typing import Any

CORE = "io.k8s.api.core.v1"
APPS = "io.k8s.api.apps.v1"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"


def _s(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _i(description: str) -> dict[str, Any]:
    return {"type": "integer", "format": "int32", "description": description}


def _b(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _map(description: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "string"},
            "description": description}


def _ref(name: str, description: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}], "description": description}


def _list(name: str, description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"allOf": [{"$ref": f"#/components/schemas/{name}"}]},
            "description": description}


def _strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def _object(description: str, required: list[str] | None = None,
            **properties: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "description": description,
                              "properties": properties}
    if required:
        schema["required"] = required
    return schema


SHARED: dict[str, dict[str, Any]] = {
    f"{META}.LabelSelector": _object(
        "A label query over a set of resources; all of its requirements are ANDed.",
        matchLabels=_map("Each {key,value} pair is a requirement that the label equals it."),
        matchExpressions={"type": "array", "items": {"type": "object"},
                          "description": "Set-based requirements (In, NotIn, Exists,"
                          " DoesNotExist)."},
    ),
    f"{CORE}.EnvVar": _object(
        "An environment variable present in a container.", required=["name"],
        name=_s("Name of the environment variable."),
        value=_s("Value of the variable; $(VAR) references are expanded."),
        valueFrom=_object("Source for the value when value is empty.",
                          secretKeyRef=_object("Selects a key of a Secret.",
                                               name=_s("Name of the Secret."),
                                               key=_s("The key to select.")),
                          configMapKeyRef=_object("Selects a key of a ConfigMap.",
                                                  name=_s("Name of the ConfigMap."),
                                                  key=_s("The key to select.")),
                          fieldRef=_object("Selects a field of the pod.",
                                           fieldPath=_s("Path of the field, e.g."
                                                        " metadata.name."))),
    ),
    f"{CORE}.ContainerPort": _object(
        "A network port in a single container.", required=["containerPort"],
        containerPort=_i("Number of the port to expose on the pod's IP address."),
        name=_s("An IANA_SVC_NAME naming the port."),
        protocol=_s("Protocol for the port: TCP, UDP or SCTP.", enum=["SCTP", "TCP", "UDP"]),
    ),
    f"{CORE}.VolumeMount": _object(
        "Mounting of a volume within a container.", required=["mountPath", "name"],
        name=_s("Name of the volume (matches a volume of the pod)."),
        mountPath=_s("Path within the container at which the volume is mounted."),
        readOnly=_b("Mounted read-only if true."),
        subPath=_s("Path within the volume to mount instead of its root."),
    ),
    f"{CORE}.Container": _object(
        "A single application container to run within a pod.", required=["name"],
        name=_s("Name of the container, unique within the pod."),
        image=_s("Container image name (recorded, not pulled, by the local cluster)."),
        command=_strings("Entrypoint array, run without a shell."),
        args=_strings("Arguments to the entrypoint."),
        workingDir=_s("Container's working directory."),
        env=_list(f"{CORE}.EnvVar", "Environment variables to set in the container."),
        envFrom={"type": "array", "items": {"type": "object"},
                 "description": "Sources (ConfigMaps, Secrets) of environment variables."},
        ports=_list(f"{CORE}.ContainerPort", "Ports to expose from the container."),
        volumeMounts=_list(f"{CORE}.VolumeMount", "Pod volumes to mount into the container."),
        resources={"type": "object", "description": "Compute resources (requests, limits)."},
        imagePullPolicy=_s("Always, Never or IfNotPresent."),
    ),
    f"{CORE}.Volume": _object(
        "A named volume in a pod that its containers may mount.", required=["name"],
        name=_s("Name of the volume, unique within the pod."),
        emptyDir={"type": "object", "description": "A temporary directory that shares the"
                  " pod's lifetime."},
        persistentVolumeClaim=_object("A reference to a PersistentVolumeClaim.",
                                      claimName=_s("Name of the claim in the pod's namespace."),
                                      readOnly=_b("Mount read-only if true.")),
        secret=_object("A Secret's keys as files.", secretName=_s("Name of the Secret.")),
        configMap=_object("A ConfigMap's keys as files.", name=_s("Name of the ConfigMap.")),
        hostPath=_object("A file or directory of the host.", path=_s("Path on the host.")),
    ),
    f"{CORE}.PodSpec": _object(
        "The desired behaviour of a pod.", required=["containers"],
        containers=_list(f"{CORE}.Container", "Containers of the pod; at least one."),
        initContainers=_list(f"{CORE}.Container", "Containers run to completion, in order,"
                             " before the others start."),
        volumes=_list(f"{CORE}.Volume", "Volumes the pod's containers may mount."),
        restartPolicy=_s("Always, OnFailure or Never.", enum=["Always", "Never", "OnFailure"]),
        serviceAccountName=_s("Name of the ServiceAccount the pod runs as."),
        nodeName=_s("The node the pod is bound to."),
        terminationGracePeriodSeconds={"type": "integer", "format": "int64", "description":
                                       "Seconds between SIGTERM and SIGKILL on deletion."},
        nodeSelector=_map("Labels a node must carry for the pod to fit on it."),
    ),
    f"{CORE}.PodStatus": _object(
        "The most recently observed status of a pod.",
        phase=_s("Pending, Running, Succeeded, Failed or Unknown."),
        conditions={"type": "array", "items": {"type": "object"},
                    "description": "Current service state of the pod (Ready, ...)."},
        containerStatuses={"type": "array", "items": {"type": "object"},
                           "description": "One entry per container."},
        podIP=_s("IP address allocated to the pod."),
        startTime=_s("When the pod was acknowledged by the kubelet.", format="date-time"),
    ),
    f"{CORE}.PodTemplateSpec": _object(
        "Describes the pods a workload creates.",
        metadata=_ref(f"{META}.ObjectMeta", "Standard object's metadata."),
        spec=_ref(f"{CORE}.PodSpec", "Specification of the desired behaviour of the pod."),
    ),
}


def _workload_status(description: str) -> dict[str, Any]:
    return _object(
        description,
        replicas=_i("Number of pods targeted by this workload."),
        readyReplicas=_i("Number of pods with a Ready condition."),
        availableReplicas=_i("Number of pods ready for at least minReadySeconds."),
        updatedReplicas=_i("Number of pods at the current template."),
        observedGeneration={"type": "integer", "format": "int64",
                            "description": "The generation observed by the controller."},
    )


def _workload_spec(description: str, **extra: dict[str, Any]) -> dict[str, Any]:
    return _object(
        description, required=["selector", "template"],
        replicas=_i("Number of desired pods; defaults to 1."),
        selector=_ref(f"{META}.LabelSelector", "Label query over the pods it manages."),
        template=_ref(f"{CORE}.PodTemplateSpec", "The pods it creates."),
        **extra,
    )


# kind -> (schema name, description, properties besides apiVersion/kind/metadata)
KINDS: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {
    ("", "Pod"): (f"{CORE}.Pod", "A collection of containers that run together.", {
        "spec": _ref(f"{CORE}.PodSpec", "Specification of the desired behaviour of the pod."),
        "status": _ref(f"{CORE}.PodStatus", "Most recently observed status of the pod."),
    }),
    ("", "ConfigMap"): (f"{CORE}.ConfigMap", "Configuration data for pods to consume.", {
        "data": _map("Configuration data as UTF-8 strings."),
        "binaryData": _map("Binary configuration data, base64 encoded."),
        "immutable": _b("If true, the data cannot be updated."),
    }),
    ("", "Secret"): (f"{CORE}.Secret", "Secret data, such as passwords or keys.", {
        "data": _map("Secret values, base64 encoded."),
        "stringData": _map("Write-only plain-text values, merged into data on write."),
        "type": _s("Used to facilitate programmatic handling of secret data."),
        "immutable": _b("If true, the data cannot be updated."),
    }),
    ("", "Namespace"): (f"{CORE}.Namespace", "A scope for names.", {
        "status": _object("Status of the namespace.", phase=_s("Active or Terminating.")),
    }),
    ("", "ServiceAccount"): (f"{CORE}.ServiceAccount", "An identity for processes in pods.", {
        "secrets": {"type": "array", "items": {"type": "object"},
                    "description": "Secrets the service account may use."},
    }),
    ("", "Service"): (f"{CORE}.Service", "A named abstraction of a set of pods.", {
        "spec": _object("Behaviour of the service.",
                        selector=_map("Routes traffic to pods with these labels."),
                        type=_s("ClusterIP, NodePort, LoadBalancer or ExternalName."),
                        ports={"type": "array", "items": {"type": "object"},
                               "description": "Ports the service exposes."},
                        clusterIP=_s("IP address of the service.")),
    }),
    ("", "PersistentVolumeClaim"): (f"{CORE}.PersistentVolumeClaim",
                                    "A user's request for persistent storage.", {
        "spec": _object("The desired storage.",
                        accessModes=_strings("ReadWriteOnce, ReadOnlyMany, ReadWriteMany..."),
                        resources={"type": "object", "description": "Requested storage size"
                                   " (requests.storage)."},
                        storageClassName=_s("Name of the StorageClass."),
                        volumeName=_s("The volume bound to this claim.")),
        "status": _object("Observed state of the claim.", phase=_s("Pending, Bound or Lost.")),
    }),
    ("", "Event"): (f"{CORE}.Event", "A report of something that happened to an object.", {
        "involvedObject": {"type": "object", "description": "The object this event is about."},
        "reason": _s("Short, machine-understandable reason for the event."),
        "message": _s("Human-readable description of the event."),
        "type": _s("Normal or Warning."),
        "count": _i("How many times this event has occurred."),
    }),
    ("apps", "Deployment"): (f"{APPS}.Deployment", "Declarative updates for pods.", {
        "spec": _workload_spec("Desired behaviour of the deployment.",
                               strategy={"type": "object", "description": "How pods are"
                                         " replaced (RollingUpdate or Recreate)."}),
        "status": _workload_status("Most recently observed status of the deployment."),
    }),
    ("apps", "ReplicaSet"): (f"{APPS}.ReplicaSet", "Keeps a number of pod replicas running.", {
        "spec": _workload_spec("Desired behaviour of the replica set."),
        "status": _workload_status("Most recently observed status of the replica set."),
    }),
    ("apps", "StatefulSet"): (f"{APPS}.StatefulSet",
                              "Pods with stable identities and their own claims.", {
        "spec": _workload_spec(
            "Desired behaviour of the stateful set.",
            serviceName=_s("Name of the governing service."),
            volumeClaimTemplates={"type": "array", "items": {"type": "object"},
                                  "description": "Claims each pod gets, named"
                                  " <claim>-<set>-<ordinal>."}),
        "status": _workload_status("Most recently observed status of the stateful set."),
    }),
    ("coordination.k8s.io", "Lease"): ("io.k8s.api.coordination.v1.Lease",
                                       "A lease, for leader election and heartbeats.", {
        "spec": _object("Specification of the lease.",
                        holderIdentity=_s("Identity of the current holder."),
                        leaseDurationSeconds=_i("How long candidates wait to take it over."),
                        acquireTime=_s("When the lease was acquired.", format="date-time"),
                        renewTime=_s("When the holder last renewed it.", format="date-time")),
    }),
}


def kind_schema(*, group: str, kind: str) -> tuple[str, dict[str, Any]] | None:
    """(component name, schema without apiVersion/kind/metadata) of a built-in kind, or None."""
    entry = KINDS.get((group, kind))
    if entry is None:
        return None
    name, description, properties = entry
    return name, {"type": "object", "description": description, "properties": dict(properties)}
