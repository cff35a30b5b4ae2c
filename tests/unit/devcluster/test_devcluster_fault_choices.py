"""The fault proxy's choices without a network: a targeted rule wins over the profile, and a
rule's stream cut falls inside a stream's first line, so a test that asks for a cut gets one even
when the stream it cuts is short."""

from __future__ import annotations

from kes.devcluster.faults import choosing, spec

FOLLOW = choosing.Request(method="GET", path="/api/v1/namespaces/a/pods/p/log", follow=True)


def test_a_rules_cut_falls_within_the_first_sixteen_bytes() -> None:
    chooser = choosing.Chooser.of(spec.Profile(seed=7))
    chooser.rules.append(spec.Rule(fault="cut", path=r"/log$", watch=True, times=500))
    cuts = [chooser.choose(FOLLOW) for _ in range(500)]
    assert {c.fault for c in cuts} == {"cut"}
    assert {c.source for c in cuts} == {"rule"}
    assert max(c.cut_after for c in cuts) <= 16
    assert min(c.cut_after for c in cuts) >= 1


def test_a_profiles_cut_may_fall_anywhere_in_the_first_four_kibibytes() -> None:
    chooser = choosing.Chooser.of(spec.Profile(seed=7, watch_cut=1.0))
    cuts = [chooser.choose(FOLLOW) for _ in range(500)]
    assert {c.source for c in cuts} == {"profile"}
    assert max(c.cut_after for c in cuts) > 16
    assert max(c.cut_after for c in cuts) <= 4096


def test_a_rule_used_up_leaves_the_request_to_the_profile() -> None:
    chooser = choosing.Chooser.of(spec.Profile(seed=7))
    chooser.rules.append(spec.Rule(fault="cut", path=r"/log$", watch=True, times=1))
    assert chooser.choose(FOLLOW).fault == "cut"
    assert chooser.choose(FOLLOW) == choosing.Choice()
