"""The campaigns job on the demo shop: stored tables, a measured plan, the report view."""

from __future__ import annotations

from shoplens.guidance.campaigns.report import campaigns_sections, run_campaigns


def test_run_campaigns_on_the_demo_and_the_view(demo_shop):
    folder, con = demo_shop
    run_campaigns(con, demo_dir=folder)
    have = set(con.list_tables())
    assert {"guidance_audience_runs", "guidance_actions", "guidance_messages",
            "guidance_experiment_units", "guidance_experiment_results"} <= have  # fmt: skip
    runs = con.table("guidance_audience_runs").execute()
    assert {"cart_recovery", "review_request"} <= set(runs.audience)  # no lifecycle: others skip
    msgs = con.table("guidance_messages").execute()
    acts = con.table("guidance_actions").execute()
    latest = acts[acts.planned_at == acts.planned_at.max()]
    assert msgs.passed.all() and len(msgs) == (latest.action != "do_nothing").sum()
    res = con.table("guidance_experiment_results").execute().set_index("metric")
    assert res.loc["value", "estimate"] > 0  # the plan pays against its holdout
    html = campaigns_sections(con)[0].html
    for words in ("Audiences", "Next-best-action", "Messages", "Experiment nba-plan"):
        assert words in html
