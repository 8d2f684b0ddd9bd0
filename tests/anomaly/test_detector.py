"""Novelty in the event path: what is new for a principal is reported with what is usual for it."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.anomaly.detector import NoveltyDetector, factory
from scanner.anomaly.settings import AnomalySettings
from scanner.anomaly.store import Baselines
from scanner.config import Config
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.state.memory import MemoryStore
from scanner.state.sqlite import SqliteStore
from tests.anomaly.events import BACKUP, DAY, DEV, HOUR, JAVA, ROLE, T0, Trail


def _run(det: NoveltyDetector, events: Iterable[Event]) -> list[Finding]:
    out: list[Finding] = []
    for ev in events:
        out.extend(det.evaluate(ev))
    out.extend(det.finish())
    return out


def _detector(settings: AnomalySettings | None = None, store: MemoryStore | None = None) -> NoveltyDetector:
    s = settings or AnomalySettings()
    return NoveltyDetector(s, Baselines(store or MemoryStore(), s.limits))


def test_a_hijacked_service_reading_new_secrets_from_a_new_network_is_reported_with_its_usual() -> None:
    trail = Trail()
    trail.routine(10)
    late = T0 + 10 * DAY + 14 * HOUR
    # the attacker has the instance's credentials and its SDK's user agent; only the network is theirs
    attack = trail.aws(late, ROLE, "ssm.amazonaws.com", "GetParameters", ip="185.220.101.7",
                       params={"names": ["/prod/db-password"], "withDecryption": True})
    found = _run(_detector(), trail.events())
    hits = [f for f in found if attack in f.event_ids]
    assert len(hits) == 1 and len(found) == 1, [f.rule for f in found]
    f = hits[0]
    assert f.category == "anomaly" and f.rule.startswith("anomaly.")
    assert f.principal == "arn:aws:iam::111122223333:role/orders-api"
    new = {n["signal"]: n for n in f.evidence["new"]}
    assert new["instance_credentials_new_network"]["new"] == "185.220.101.0/24"
    assert new["instance_credentials_new_network"]["usual"] == [["3.120.5.0/24", 480]]
    assert new["new_sensitive_api"]["new"] == "ssm:GetParameters"
    assert ["kms:Decrypt", 240] in new["new_sensitive_api"]["usual"]


def test_ssm_parameters_without_decryption_are_not_a_sensitive_read() -> None:
    trail = Trail()
    trail.routine(10)
    trail.aws(T0 + 10 * DAY + HOUR, ROLE, "ssm.amazonaws.com", "GetParameters",
              params={"names": ["/app/flags"], "withDecryption": False})
    found = _run(_detector(), trail.events())
    assert not [f for f in found if any(n["signal"] == "new_sensitive_api" for n in f.evidence.get("new", []))]


def test_pure_novelty_is_held_during_cold_start_and_the_hold_is_configurable() -> None:
    trail = Trail()
    trail.routine(3)
    trail.aws(T0 + 3 * DAY + HOUR, ROLE, "iam.amazonaws.com", "CreateAccessKey", ip="185.220.101.7",
              params={"userName": "admin"})
    assert _run(_detector(), trail.events()) == []  # 3 days of history < 7
    found = _run(_detector(AnomalySettings(min_history_days=2)), trail.events())
    assert [f.rule for f in found] == ["anomaly.instance_credentials_new_network"]


def test_signatures_are_never_held_even_for_a_principal_never_seen() -> None:
    trail = Trail()
    ids = [trail.aws(T0 + i * 5, BACKUP, "secretsmanager.amazonaws.com", "GetSecretValue", ip="185.220.101.7",
                     params={"secretId": f"prod/s{i}"}) for i in range(12)]
    found = _run(_detector(), trail.events())
    assert [f.rule for f in found] == ["anomaly.secret_read_burst"]
    assert set(found[0].event_ids) == set(ids[:10])  # the reads that made the burst, up to the threshold
    assert found[0].evidence["secrets"] == sorted(f"prod/s{i}" for i in range(10))


def test_an_access_denied_burst_is_one_finding_per_window() -> None:
    trail = Trail()
    for i in range(60):
        trail.aws(T0 + i * 5, DEV, "iam.amazonaws.com", "ListUsers", error="AccessDenied")
    found = _run(_detector(), trail.events())
    assert [f.rule for f in found] == ["anomaly.access_denied_burst"]
    assert len(found[0].event_ids) == 20 and found[0].evidence["denied_calls"] == 20


def test_a_long_term_key_from_a_new_network_is_reported() -> None:
    trail = Trail()
    for d in range(10):
        trail.aws(T0 + d * DAY + 2 * HOUR, BACKUP, "s3.amazonaws.com", "ListBuckets", ip="192.0.2.10")
    ev = trail.aws(T0 + 10 * DAY + 2 * HOUR, BACKUP, "s3.amazonaws.com", "ListBuckets", ip="185.220.101.7")
    found = _run(_detector(), trail.events())
    assert [(f.rule, f.event_ids) for f in found] == [("anomaly.long_term_key_new_network", (ev,))]


def test_instance_credentials_through_another_accounts_vpc_endpoint() -> None:
    trail = Trail()
    eid = trail.aws(T0, ROLE, "sts.amazonaws.com", "GetCallerIdentity")
    rec = trail.log.aws[int(T0 // DAY)][-1]
    rec["vpcEndpointId"], rec["vpcEndpointAccountId"] = "vpce-0abc", "999988887777"
    found = _run(_detector(), trail.events())
    assert [(f.rule, f.event_ids) for f in found] == [("anomaly.instance_credentials_foreign_endpoint", (eid,))]


def test_gcp_principals_are_judged_alike() -> None:
    trail = Trail()
    sa = "orders@acme-prod.iam.gserviceaccount.com"
    for d in range(10):
        for h in range(0, 24, 3):
            trail.gcp(T0 + d * DAY + h * HOUR, sa, "cloudkms.googleapis.com", "Decrypt")
    eid = trail.gcp(T0 + 10 * DAY, sa, "iam.googleapis.com", "google.iam.admin.v1.CreateServiceAccountKey")
    found = _run(_detector(), trail.events())
    assert [(f.rule, f.cloud, f.event_ids) for f in found] == [("anomaly.new_sensitive_api", "gcp", (eid,))]


def test_learning_makes_a_novelty_usual_and_no_learn_leaves_the_baseline_alone(tmp_path) -> None:
    trail = Trail()
    trail.routine(10)
    trail.aws(T0 + 10 * DAY + HOUR, ROLE, "lambda.amazonaws.com", "AddPermission20150331v2",
              agent=JAVA, params={"principal": "*"})
    trail.aws(T0 + 10 * DAY + 2 * HOUR, ROLE, "lambda.amazonaws.com", "AddPermission20150331v2",
              params={"principal": "*"})
    events = trail.events()
    store = SqliteStore(str(tmp_path / "s.db"))
    det = _detector(store=store)  # type: ignore[arg-type]
    assert len(_run(det, events[:-2])) == 0
    frozen = NoveltyDetector(AnomalySettings(learn=False), Baselines(store, AnomalySettings().limits))
    assert len(_run(frozen, events[-2:])) == 2  # not learned: both calls are new
    learning = _detector(store=store)  # type: ignore[arg-type]
    assert len(_run(learning, events[-2:])) == 1  # the second call is usual by then


def test_the_detector_is_inert_without_a_persistent_store() -> None:
    det = factory(Config(), MemoryStore())
    assert not det.wants("aws", "kms.amazonaws.com", "Decrypt", "AssumedRole")


def test_console_login_from_a_new_country_with_a_configured_table() -> None:
    """With a country table, a login from a new /24 in the usual country is not news; a new country is."""
    trail = Trail()
    alice = {k: v for k, v in BACKUP.items() if k != "accessKeyId"}  # console sign-in carries no key
    alice |= {"arn": "arn:aws:iam::111122223333:user/alice", "userName": "alice"}
    console = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.3 Safari/605.1.15"
    for d in range(10):
        trail.aws(T0 + d * DAY + 9 * HOUR, alice, "signin.amazonaws.com", "ConsoleLogin", ip="81.2.69.7",
                  agent=console)
    trail.aws(T0 + 10 * DAY + 9 * HOUR, alice, "signin.amazonaws.com", "ConsoleLogin", ip="81.2.70.9",
              agent=console)
    away = trail.aws(T0 + 11 * DAY + 9 * HOUR, alice, "signin.amazonaws.com", "ConsoleLogin", ip="185.220.101.7",
                     agent=console)
    countries = {"81.2.69.7": "DE", "81.2.70.9": "DE", "185.220.101.7": "RU"}
    s = AnomalySettings()
    det = NoveltyDetector(s, Baselines(MemoryStore(), s.limits),
                          geo=lambda ip: (countries.get(ip, ""), ""))
    found = _run(det, trail.events())
    assert [(f.rule, f.event_ids) for f in found] == [("anomaly.console_login_new_location", (away,))]
    new = {n["signal"]: n for n in found[0].evidence["new"]}
    assert new["console_login_new_location"]["new"] == "RU"
