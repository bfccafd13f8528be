"""Written follow-ups in Slack: the same understanding in DMs and threads as in the terminal."""

from __future__ import annotations

from tests.support import payloads as P
from tests.support.harness import SlackHarness, all_text

WORRY = "協議体がお客様状態で困っている"


def test_a_dm_answered_in_words(slack: SlackHarness) -> None:
    slack.dm(WORRY)
    slack.wait_posts(1)
    slack.dm("協議体をつくること自体が目的になっちゃってるんです")
    posts = slack.wait_posts(2)
    text = all_text(posts[1])
    assert "と受け取りました" in text and "【対策1】" in text
    slack.dm("助かりました")
    posts = slack.wait_posts(3)
    assert "「役に立った」というご評価と受け取りました" in all_text(posts[2])
    [row] = slack.runtime.store.consultations(user="U0USER1")
    assert (row.card, row.situation, row.feedback) == ("02", 1, "up")


def test_a_thread_answered_in_words(slack: SlackHarness) -> None:
    root = P.new_ts()
    slack.event(P.app_mention(WORRY, channel="C0PREF", ts=root))
    slack.wait_posts(1)
    slack.event(P.channel_message("2個目", channel="C0PREF", thread_ts=root))
    posts = slack.wait_posts(2)
    assert posts[1].body["thread_ts"] == root
    text = all_text(posts[1])
    assert "困りごとの事例や地域で解決したいことが具体化されていない" in text
    assert "と受け取りました" in text
    # a misunderstanding is undone in one turn
    slack.event(P.channel_message("ちがう", channel="C0PREF", thread_ts=root))
    posts = slack.wait_posts(3)
    assert "選び直します" in all_text(posts[2])


def test_chigau_on_a_card_read_from_words_reaches_the_review_queue(slack: SlackHarness) -> None:
    """The durable Slack path runs turns inside one transaction (``Store.bound``): the
    correction is kept with the turn, as in the terminal."""
    from sqlalchemy import select

    from bot.storage.review import ReviewCorrection

    worry = "SCと協議体のどちらも機能していない"
    slack.dm(worry, user="U0CORR")
    first = slack.wait_posts(1)
    assert "協議体" in all_text(first[0])
    slack.dm("協議体の話", user="U0CORR")
    posts = slack.wait_posts(2)
    assert "ちがう" in all_text(posts[1])
    slack.dm("ちがう", user="U0CORR")
    posts = slack.wait_posts(3)
    slack.wait_settled()
    with slack.runtime.db.connect() as conn:
        rows = conn.execute(select(ReviewCorrection.card, ReviewCorrection.user_id)).all()
    assert [tuple(r) for r in rows] == [("02", "U0CORR")]
