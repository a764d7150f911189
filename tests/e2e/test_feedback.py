"""投诉建议 on a phone (375×812) in a real Chromium: a member opens the channel from
the footer, is refused with the text kept when a phone preference has no number,
submits, and sees the submission listed as 待处理; nothing scrolls sideways and axe
finds no serious violation."""

from __future__ import annotations

from tests import factories
from tests.e2e.conftest import PHONE, axe_violations, follow, screenshot, sign_in

NO_SIDEWAYS_SCROLL = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


def test_a_member_gives_feedback_on_a_phone(page, tree):
    factories.member(organisation=tree["branch1"], username="fb_member")
    page.set_viewport_size(PHONE)
    sign_in(page, "fb_member")
    follow(page, "footer a[href='/me/feedback/']")
    assert page.url.endswith("/me/feedback/")
    page.select_option("#feedback-category", "complaint")
    page.fill("#feedback-text", "会议通知来得太晚")
    page.select_option("#feedback-contact-preference", "phone")
    follow(page, "form.feedback-form button[type=submit]")
    assert "请填写号码或邮箱" in page.inner_text("#feedback-error")
    assert page.input_value("#feedback-text") == "会议通知来得太晚"
    page.fill("#feedback-contact", "13800000000")
    follow(page, "form.feedback-form button[type=submit]")
    listed = page.inner_text("section[aria-labelledby=feedback-mine-title]")
    assert "会议通知来得太晚" in listed and "待处理" in listed and "投诉" in listed
    scroll_width, width = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert scroll_width <= width
    assert axe_violations(page) == []
    screenshot(page, "feedback")
    # The refusal is answered 400 (the form again), which Chromium logs.
    assert [p for p in page.problems if "status of 400" not in p] == []
