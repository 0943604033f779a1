"""A standing crosses from a worker small and comes back the same: what ranking reads of it
is exactly what the result said, whatever it is stored as."""

from __future__ import annotations

import pickle

from support import application, mini_evaluator, reviews

from iipeval.core.round.ranking import Standing


def test_a_standing_reads_back_after_the_pipe_as_the_result_said():
    r = mini_evaluator().score(application(), reviews(80, 90))
    s = Standing.of(r)
    back = pickle.loads(pickle.dumps(s))
    assert back == s
    for d in r.dimensions:
        assert back.points[d.id] == (d.points or 0.0)
        assert back.dimension_scores[d.id] == d.score
        assert dict(back.dimension_scores.items())[d.id] == d.score
    for i in r.indicators:
        assert back.points.get(i.id) == (i.points or 0.0)
    assert back.points.get("nothing", 7.0) == 7.0
    assert dict(back.points.items()) == dict(back.points)


def test_standings_of_one_set_share_their_ids_and_pending_parts():
    ev = mini_evaluator()
    a, b = (
        pickle.loads(pickle.dumps(Standing.of(ev.score(application(devices_operating=n)))))
        for n in (10, 900)
    )
    assert a.pending and a.pending is b.pending  # the same tuple, not two
    assert a.framework is b.framework
    assert next(iter(a.points)) is next(iter(b.points))
