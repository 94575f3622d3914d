# Generates the Grafana dashboards in dashboards/*.json: python3 dashboards/gen/dashboards.py dashboards
# Edit here (not the JSON) and re-run; cmd/trustd/metrics_test.go checks every expression.
import json, sys
DS = {"type": "prometheus", "uid": "${datasource}"}
RI = "$__rate_interval"

def panel(title, exprs, unit="short", kind="timeseries", w=12, h=8, desc="", stack=False, legends=None):
    targets = []
    for i, e in enumerate(exprs):
        expr, legend = e if isinstance(e, tuple) else (e, "")
        targets.append({"datasource": DS, "expr": expr, "legendFormat": legend or "__auto", "refId": chr(65 + i)})
    p = {"type": kind, "title": title, "description": desc, "datasource": DS, "targets": targets,
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []}, "options": {}, "_w": w, "_h": h}
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal" if stack else "none", "group": "A"}, "fillOpacity": 10}
        p["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max", "lastNotNull"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    if kind == "stat":
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value", "graphMode": "area"}
    if kind == "table":
        for t in targets:
            t["format"] = "table"; t["instant"] = True
    return p

def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "_w": 24, "_h": 1}

def dashboard(uid, title, desc, panels, links=True):
    x = y = 0; rowh = 0; pid = 1; out = []
    for p in panels:
        w, h = p.pop("_w"), p.pop("_h")
        if x + w > 24 or p["type"] == "row":
            x = 0; y += rowh; rowh = 0
        p["id"] = pid; pid += 1
        p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
        out.append(p)
        x += w; rowh = max(rowh, h)
        if p["type"] == "row":
            x = 0; y += h; rowh = 0
    return {
        "uid": uid, "title": title, "description": desc, "tags": ["trustd"], "timezone": "browser",
        "editable": True, "graphTooltip": 1, "schemaVersion": 39, "version": 1, "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "links": [{"title": "trustd dashboards", "type": "dashboards", "tags": ["trustd"], "asDropdown": True, "includeVars": True, "keepTime": True},
                  {"title": "Runbook", "type": "link", "url": "https://github.com/trustd/trustd/blob/main/dashboards/runbook.md", "targetBlank": True}],
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []},
        ]},
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                                  "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
        "panels": out,
    }

q = lambda p, m, by="le": f'histogram_quantile({p}, sum by ({by}) (rate({m}_bucket[{RI}])))'

overview = dashboard("trustd-overview", "trustd / Overview",
  "Throughput, decisions, end-to-end latency and errors of the whole deployment.", [
  panel("Workers up", [('sum(up{job="trustd-worker"})', "workers")], kind="stat", w=4, h=4),
  panel("API replicas up", [('sum(up{job="trustd-api"})', "api")], kind="stat", w=4, h=4),
  panel("Items received /s", [(f'sum(rate(trustd_items_received_total[{RI}]))', "items/s")], unit="reqps", kind="stat", w=4, h=4),
  panel("Verdicts /s", [(f'sum(rate(trustd_verdicts_total[{RI}]))', "verdicts/s")], unit="reqps", kind="stat", w=4, h=4),
  panel("Verdicts within 60 s (1 h, SLO 99 %)", [("1 - trustd:verdict_latency_slo:error_ratio_rate1h", "within 60 s")], unit="percentunit", kind="stat", w=4, h=4,
        desc="Share of verdicts published within 60 s of submitted_at over the last hour (recording rule)."),
  panel("Ingest success (1 h, SLO 99.9 %)", [("1 - trustd:ingest:error_ratio_rate1h", "non-5xx")], unit="percentunit", kind="stat", w=4, h=4),
  row("Throughput"),
  panel("Items received /s by scene", [(f'sum by (scene) (rate(trustd_items_received_total[{RI}]))', "{{scene}}")], unit="reqps", stack=True),
  panel("Submissions /s by result", [(f'sum by (result) (rate(trustd_submissions_total[{RI}]))', "{{result}}")], unit="reqps", stack=True,
        desc="accepted, duplicate (same scene/id/revision) or rejected (invalid item)."),
  panel("Verdicts /s by decision", [(f'sum by (decision) (rate(trustd_verdicts_total[{RI}]))', "{{decision}}")], unit="reqps", stack=True),
  panel("Decision mix", [(f'sum by (decision) (rate(trustd_verdicts_total[{RI}])) / ignoring (decision) group_left () sum(rate(trustd_verdicts_total[{RI}]))', "{{decision}}")],
        unit="percentunit", stack=True),
  row("Latency"),
  panel("End-to-end latency (submitted_at → verdict)", [
      (q(0.5, "trustd_verdict_latency_seconds"), "p50"), (q(0.9, "trustd_verdict_latency_seconds"), "p90"),
      (q(0.99, "trustd_verdict_latency_seconds"), "p99")], unit="s"),
  panel("p99 latency by scene", [(q(0.99, "trustd_verdict_latency_seconds", "scene, le"), "{{scene}}")], unit="s"),
  panel("Verdict latency SLO: error ratio (budget 1 %)", [
      ("trustd:verdict_latency_slo:error_ratio_rate5m", "5m"), ("trustd:verdict_latency_slo:error_ratio_rate1h", "1h"),
      ("trustd:verdict_latency_slo:error_ratio_rate6h", "6h")], unit="percentunit",
      desc="Burn-rate alerts fire at 14.4x (1h and 5m) and 6x (6h and 30m) of the 1 % budget."),
  panel("Ingest SLO: 5xx ratio (budget 0.1 %)", [
      ("trustd:ingest:error_ratio_rate5m", "5m"), ("trustd:ingest:error_ratio_rate1h", "1h"), ("trustd:ingest:error_ratio_rate6h", "6h")], unit="percentunit"),
  row("Errors"),
  panel("Task failures /s by reason", [(f'sum by (reason) (rate(trustd_task_failures_total[{RI}]))', "{{reason}}")], unit="reqps", stack=True,
        desc="payload is permanent (archived); the rest are retried."),
  panel("HTTP 5xx /s by route", [(f'sum by (route) (rate(trustd_http_requests_total{{code=~"5.."}}[{RI}]))', "{{route}}")], unit="reqps"),
  panel("Redelivered tasks /s", [(f'sum(rate(trustd_task_redeliveries_total[{RI}]))', "redeliveries")], unit="reqps",
        desc="Tasks whose verdict was already published (crash recovery or resubmission); nothing is published twice."),
  panel("Builds running", [("count by (role, version, go_version) (trustd_build_info)", "")], kind="table"),
])

pipeline = dashboard("trustd-pipeline", "trustd / Pipeline",
  "Per-stage latency, rule hits, image checks, indexes and rules freshness.", [
  row("Stages"),
  panel("Stage latency p99", [(q(0.99, "trustd_stage_duration_seconds", "stage, le"), "{{stage}}")], unit="s"),
  panel("Stage latency p50", [(q(0.5, "trustd_stage_duration_seconds", "stage, le"), "{{stage}}")], unit="s"),
  panel("Image check stage latency p99", [(q(0.99, "trustd_image_stage_duration_seconds", "stage, le"), "{{stage}}")], unit="s"),
  panel("Image checks /s by result", [(f'sum by (result) (rate(trustd_image_checks_total[{RI}]))', "{{result}}")], unit="reqps", stack=True),
  row("Rules"),
  panel("Rule hits /s by dictionary", [(f'sum by (dictionary) (rate(trustd_rule_hits_total[{RI}]))', "{{dictionary}}")], unit="reqps", stack=True),
  panel("Rule hits /s by category", [(f'sum by (category) (rate(trustd_rule_hits_total[{RI}]))', "{{category}}")], unit="reqps", stack=True),
  panel("Top 10 dictionary × category (1 h)", [('topk(10, sum by (dictionary, category) (increase(trustd_rule_hits_total[1h])))', "")], kind="table"),
  panel("Dictionary entries", [('max by (dictionary) (trustd_dictionary_entries)', "{{dictionary}}")]),
  panel("Rules age (since last successful load)", [('time() - trustd_rules_last_reload_success_timestamp_seconds', "{{instance}}")], unit="s",
        desc="Rules reload on change; a large age is normal unless reloads fail (see the next panel)."),
  panel("Rules reload failures (1 h)", [('sum by (instance) (increase(trustd_rules_reload_failures_total[1h]))', "{{instance}}")]),
  row("Indexes"),
  panel("Image index hashes by bank", [('max by (bank) (trustd_image_index_hashes)', "{{bank}}")]),
])

queues = dashboard("trustd-queues", "trustd / Queues",
  "asynq queues (exported once per deployment by the api: aggregated with max), workers and webhooks.", [
  panel("Pending by queue", [('max by (queue) (trustd_queue_tasks{state="pending"})', "{{queue}}")]),
  panel("Queue latency (oldest pending task)", [('max by (queue) (trustd_queue_latency_seconds)', "{{queue}}")], unit="s"),
  panel("Tasks by state", [('max by (queue, state) (trustd_queue_tasks{state=~"active|retry|scheduled"})', "{{queue}} {{state}}")]),
  panel("Archived by queue", [('max by (queue) (trustd_queue_tasks{state="archived"})', "{{queue}}")],
        desc="Tasks that exhausted their retries; they are not retried by themselves (runbook: TrustdArchivedTasksGrowing)."),
  panel("Processed /s by queue", [(f'max by (queue) (rate(trustd_queue_processed_total[{RI}]))', "{{queue}}")], unit="reqps"),
  panel("Failed attempts /s by queue", [(f'max by (queue) (rate(trustd_queue_failed_total[{RI}]))', "{{queue}}")], unit="reqps"),
  panel("Paused queues", [('max by (queue) (trustd_queue_paused)', "{{queue}}")], kind="stat", w=6, h=6),
  panel("Queue inspection errors (1 h)", [('sum(increase(trustd_queue_inspect_errors_total[1h]))', "errors")], kind="stat", w=6, h=6),
  panel("Worker concurrency: busy vs configured", [
      ('sum(max by (queue) (trustd_queue_tasks{state="active"}))', "active tasks"),
      ('sum(trustd_worker_concurrency)', "configured slots")], w=12, h=6),
  row("Webhooks"),
  panel("Webhook deliveries /s by result", [(f'sum by (result) (rate(trustd_webhook_deliveries_total[{RI}]))', "{{result}}")], unit="reqps", stack=True),
  panel("Webhook backlog", [('max by (state) (trustd_queue_tasks{queue="webhooks",state=~"pending|retry|archived"})', "{{state}}")]),
  row("Processes"),
  panel("CPU by instance", [(f'rate(process_cpu_seconds_total{{job=~"trustd-.*"}}[{RI}])', "{{instance}}")], unit="percentunit"),
  panel("Goroutines by instance", [('go_goroutines{job=~"trustd-.*"}', "{{instance}}")]),
])

review = dashboard("trustd-review", "trustd / Review",
  "Human review: backlog, age, decisions, time to decision and overturn rate.", [
  panel("Backlog by queue", [('max by (queue) (trustd_review_backlog)', "{{queue}}")], stack=True),
  panel("Oldest pending item by queue", [('max by (queue) (trustd_review_oldest_age_seconds)', "{{queue}}")], unit="s"),
  panel("Decisions per minute by action", [(f'sum by (action) (rate(trustd_review_decisions_total[{RI}])) * 60', "{{action}}")], stack=True),
  panel("Decisions per minute by queue", [(f'sum by (queue) (rate(trustd_review_decisions_total[{RI}])) * 60', "{{queue}}")], stack=True),
  panel("Time to decision", [
      (q(0.5, "trustd_review_time_to_decision_seconds"), "p50"), (q(0.9, "trustd_review_time_to_decision_seconds"), "p90")], unit="s"),
  panel("Overturn rate (approved / final decisions)", [
      ('sum(rate(trustd_review_decisions_total{action="approve"}[1h])) / sum(rate(trustd_review_decisions_total{action=~"approve|limit|remove|uphold"}[1h]))', "overturn rate")],
      unit="percentunit", desc="Share of final review decisions that approved an item the automation flagged."),
  panel("Overturns by dictionary and category (24 h)", [('topk(10, sum by (dictionary, category) (increase(trustd_review_overturns_total[24h])))', "")], kind="table", w=24),
])

# Shadow decisions that differ from the live ones: one selector per live decision (PromQL
# cannot compare two labels in a matcher).
shadow_diffs = " or ".join(f'rate(trustd_shadow_decisions_total{{live="{d}",shadow!="{d}"}}[{RI}])'
                           for d in ["pass", "review", "limit", "block"])

trust = dashboard("trustd-trust", "trustd / Trust",
  "Signals across items (author strikes, floods, split contacts), shadow rules and the audit sample.", [
  row("Author strikes"),
  panel("Strike escalations /s by decision", [(f'sum by (decision) (rate(trustd_author_strike_signals_total[{RI}]))', "{{decision}}")],
        unit="reqps", stack=True, desc="Items escalated because their author has recent strikes (review from 3 in 24 h by default)."),
  panel("Strikes recorded /s", [
      (f'sum(rate(trustd_author_strikes_recorded_total[{RI}]))', "recorded (automatic and moderator)"),
      (f'sum by (outcome) (rate(trustd_moderator_strikes_total[{RI}]))', "moderator {{outcome}}")], unit="reqps",
        desc="Automatic blocks and moderators' removals record strikes; a moderator's approval withdraws the item's strike."),
  row("Floods and split contacts"),
  panel("Flood detections /s by decision", [(f'sum by (decision) (rate(trustd_flood_signals_total[{RI}]))', "{{decision}}")],
        unit="reqps", stack=True, desc="Items whose same or near-same text was posted by 10 (review) or 50 (block) distinct authors within the hour."),
  panel("Flood share of fingerprinted items", [
      (f'sum(rate(trustd_flood_signals_total[{RI}])) / sum(rate(trustd_flood_checks_total[{RI}]))', "flood share")], unit="percentunit"),
  panel("Split contacts /s by type", [(f'sum by (type) (rate(trustd_split_contact_signals_total[{RI}]))', "{{type}}")],
        unit="reqps", stack=True, desc="Contacts reassembled across an author's consecutive items or fields."),
  panel("Trust signal errors /s", [
      (f'sum(rate(trustd_author_strike_errors_total[{RI}]))', "strikes"), (f'sum(rate(trustd_flood_errors_total[{RI}]))', "floods"),
      (f'sum(rate(trustd_split_contact_errors_total[{RI}]))', "split contacts"), (f'sum(rate(trustd_shadow_errors_total[{RI}]))', "shadow diffs")],
        unit="reqps", desc="Redis errors; an item whose signal failed goes to review (runbook: TrustdTrustSignalErrors)."),
  row("Shadow rules"),
  panel("Shadow rules running", [('max(trustd_shadow_active)', "shadow")], kind="stat", w=6, h=8,
        desc="1 while a shadow bundle is loaded (trustd rules shadow status)."),
  panel("Shadow diffs /s by would-be decision", [(f'sum by (shadow) ({shadow_diffs})', "would be {{shadow}}")],
        unit="reqps", stack=True, w=9, desc="Items the shadow rules would decide differently; each is in the stream trustd:shadow:diffs."),
  panel("Shadow disagreement", [(f'sum({shadow_diffs}) / sum(rate(trustd_shadow_decisions_total[{RI}]))', "differs")],
        unit="percentunit", w=9),
  panel("Shadow diffs live → shadow (24 h)", [
      ('sum by (live, shadow) (increase(trustd_shadow_decisions_total[24h])) > 0', "")], kind="table", w=24),
  row("Audit sample"),
  panel("Audit agreement rate (1 d)", [("trustd:audit_agreement:ratio_rate1d", "agreement")], unit="percentunit", kind="stat", w=6, h=6,
        desc="Share of sampled automatic pass/limit/block decisions the moderators kept."),
  panel("Estimated precision (1 d)", [("trustd:audit_precision:ratio_rate1d", "precision")], unit="percentunit", kind="stat", w=6, h=6,
        desc="Share of sampled automatic limit/block decisions the moderators also limited or removed."),
  panel("Estimated recall (1 d)", [("trustd:audit_recall:ratio_rate1d", "recall")], unit="percentunit", kind="stat", w=6, h=6,
        desc="precision × positives / (precision × positives + miss rate of sampled passes × passes); see moderation/trust doc."),
  panel("Audit decisions (7 d)", [('sum by (decision, outcome) (increase(trustd_audit_agreements_total[7d])) > 0', "")], kind="table", w=6, h=6,
        desc="decision: automatic; outcome: the moderator's."),
  panel("Agreement and precision over time", [
      ("trustd:audit_agreement:ratio_rate1d", "agreement"), ("trustd:audit_precision:ratio_rate1d", "precision"),
      ("trustd:audit_recall:ratio_rate1d", "recall")], unit="percentunit", w=24),
])

for name, d in [("overview", overview), ("pipeline", pipeline), ("queues", queues), ("review", review), ("trust", trust)]:
    with open(f"{sys.argv[1]}/{name}.json", "w") as f:
        json.dump(d, f, indent=2, ensure_ascii=False)
        f.write("\n")
