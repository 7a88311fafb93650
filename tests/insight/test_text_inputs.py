"""Every kind of bad input gets a defined result."""

from __future__ import annotations

import pytest

from shoplens.errors import InputError
from shoplens.insight.text import TextAnalyzer, TextTruncatedWarning


@pytest.fixture(scope="module")
def analyzer():
    return TextAnalyzer()


def test_empty_and_missing(analyzer):
    for r in analyzer.analyze(["", "   ", None, float("nan")]):
        assert r["text"] == "" and r["lang"] == "und" and "empty" in r["flags"]
        assert (r["sentiment"], r["p_neu"], r["aspects"], r["entities"]) == ("neutral", 1.0, [], [])
        assert r["intent"] == "other"
    assert analyzer.analyze([]) == []


def test_emoji_only(analyzer):
    pos, neg, other = analyzer.analyze(["👍👍😊", "😡👎", "🐱🐶"])
    assert all(r["lang"] == "und" and "no_letters" in r["flags"] for r in (pos, neg, other))
    assert (pos["sentiment"], neg["sentiment"], other["sentiment"]) == (
        "positive",
        "negative",
        "neutral",
    )


def test_mixed_language(analyzer):
    r = analyzer.analyze(["这个 phone 的 battery life 太差了"])[0]
    assert (r["lang"], r["mixed"], r["sentiment"]) == ("zh", True, "negative")


def test_long_text_is_truncated_with_a_warning(analyzer):
    with pytest.warns(TextTruncatedWarning):
        r = analyzer.analyze(["质量很好" * 25_000])[0]
    assert len(r["text"]) == analyzer.max_chars and "truncated" in r["flags"]
    assert r["sentiment"] == "positive"


def test_html_is_stripped(analyzer):
    r = analyzer.analyze(["<div><p>质量&nbsp;很好</p><script>alert(1)</script><br/>推荐</div>"])[0]
    assert r["text"] == "质量 很好 推荐" and "html" in r["flags"]
    assert "alert" not in r["text"]


def test_invalid_utf8_bytes(analyzer):
    r = analyzer.analyze(["质量很好".encode() + b"\xff\xfe"])[0]
    assert r["text"].startswith("质量很好") and "\ufffd" in r["text"]
    assert "invalid_utf8" in r["flags"] and r["lang"] == "zh"


def test_wrong_types_raise_input_error(analyzer):
    with pytest.raises(InputError, match="list of texts"):
        analyzer.analyze("a single string")
    with pytest.raises(InputError, match="str or bytes"):
        analyzer.analyze([123])
    with pytest.raises(InputError):
        TextAnalyzer(max_chars=0)


def test_batching_gives_the_same_result():
    texts = [f"第{i}次购买，质量很好" if i % 2 else f"order {i} arrived broken" for i in range(50)]
    a = TextAnalyzer(batch_size=1).analyze(texts)
    b = TextAnalyzer(batch_size=32).analyze(texts)
    assert [x["p_pos"] for x in a] == pytest.approx([x["p_pos"] for x in b])


def test_frame_output(analyzer):
    df = analyzer.analyze_frame(["好评", "bad"])
    assert list(df["lang"]) == ["zh", "en"] and {"p_neg", "p_neu", "p_pos"} <= set(df.columns)
