"""Failed API calls are reported by HTTP verb (the controller's kes_api_errors metric)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kes.adapters.k8s import client, errors, objects


def test_failures_are_reported_by_verb_and_a_missing_object_is_not(devcluster: Any) -> None:
    seen: list[str] = []
    api = dataclasses.replace(
        client.from_kubeconfig(path=str(devcluster.kubeconfig)), on_error=seen.append
    )
    configmaps = objects.path(group="", version="v1", resource="configmaps", namespace="default")
    with pytest.raises(errors.ApiNotFoundError):
        objects.get(
            api, group="", version="v1", resource="configmaps", namespace="default", name="absent"
        )
    with pytest.raises(errors.ApiError):
        objects.request(api, method="POST", url_path=configmaps, body={"metadata": {}})
    with pytest.raises(errors.ApiError):
        objects.request(
            api,
            method="PATCH",
            url_path=f"{configmaps}/absent-too",
            body=[],
            content_type="application/json-patch+json",
        )
    assert seen == ["POST"]
