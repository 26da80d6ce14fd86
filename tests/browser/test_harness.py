"""The browser-test fixtures themselves: tests elsewhere assert `console_errors == []` and
publish screenshots, which is worth something only if errors are caught and files land where
they should."""

import struct

from tests.browser.helpers import has_horizontal_scroll


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_console_errors_and_uncaught_errors_are_collected(page):
    page.set_content(
        "<script>console.error('logged'); console.warn('only a warning')</script>"
        "<script>throw new TypeError('thrown')</script>"
    )

    assert page.console_errors == [
        "logged",
        "uncaught TypeError: thrown",
    ]


def test_pages_are_desktop_sized_unless_a_phone_is_asked_for(page, phone_page):
    width = "[window.innerWidth, window.innerHeight]"
    phone_page.set_content('<meta name="viewport" content="width=device-width">')

    assert page.evaluate(width) == [1440, 900]
    assert phone_page.evaluate(width) == [375, 812]
    assert phone_page.evaluate("navigator.maxTouchPoints") > 0


def test_horizontal_scroll_is_detected(phone_page):
    phone_page.set_content(
        '<meta name="viewport" content="width=device-width"><div style="width: 500px">wide</div>'
    )

    assert has_horizontal_scroll(phone_page)


def test_screenshots_go_to_the_folder_named_by_the_environment(
    phone_page, save_screenshot, tmp_path, monkeypatch
):
    monkeypatch.setenv("HUIKUAN_SCREENSHOT_DIR", str(tmp_path / "docs" / "screenshots"))
    phone_page.set_content('<meta name="viewport" content="width=device-width"><p>Huikuan</p>')

    path = save_screenshot(phone_page, "phone")

    assert path == tmp_path / "docs" / "screenshots" / "phone.png"
    assert png_size(path) == (375, 812)


def test_screenshots_go_to_pytests_temporary_folder_by_default(
    page, save_screenshot, tmp_path_factory, monkeypatch
):
    monkeypatch.delenv("HUIKUAN_SCREENSHOT_DIR", raising=False)
    page.set_content("<p>Huikuan</p>")

    path = save_screenshot(page, "desktop")

    assert path == tmp_path_factory.getbasetemp() / "screenshots" / "desktop.png"
    assert png_size(path) == (1440, 900)
